"""What a connector's triggers are built from, one module per source family (the trigger
decorator and :class:`~workbench.sdk.Event` are in :mod:`workbench.sdk`):

=============  ========================================================================
module         what it holds
=============  ========================================================================
``changes``    database change rows as events, the ``row_changed`` trigger SQL connectors
               share, the reading loop of a change table
``files``      the marker of files and objects seen, and the delivery of what is found
``webhooks``   verified HTTP deliveries: signature schemes, routes, a service's events
``schedules``  cron expressions, time zones and the slots a schedule is due at
=============  ========================================================================

Each is imported on its own, so a connector that uses one pays for no other.

Example:
    >>> from workbench.sdk.triggers import files
    >>> files.Seen({}).change("a.csv", [1, 10])
    'created'
"""

__all__: list[str] = []
