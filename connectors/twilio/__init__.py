"""Twilio connector: the REST API from Twilio's official spec, with send_sms on top."""

from workbench.connectors.twilio.connector import Twilio, TwilioError

__all__ = ["Twilio", "TwilioError"]
