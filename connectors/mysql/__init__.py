"""MySQL and MariaDB connector (pymysql, with ConnectorX as the Arrow fast path for reads)."""

from workbench.connectors.mysql.connector import Mysql, MysqlConfig

__all__ = ["Mysql", "MysqlConfig"]
