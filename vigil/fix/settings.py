"""QuickFIX session settings, written from data rather than hand-kept .cfg files."""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import quickfix as fix

from vigil.errors import VigilError

DICTIONARY_FILES = {"FIX.4.4": "FIX44.xml", "FIX.4.2": "FIX42.xml"}


class FixConfigError(VigilError):
    pass


def spec_dir() -> Path:
    """Where the FIX data dictionaries are (the wheel has none; scripts/ensure-env.sh puts them here)."""
    return Path(os.environ.get("VIGIL_FIX_SPEC_DIR") or Path(sys.prefix) / "share" / "quickfix-spec")


def dictionary_path(begin_string: str) -> Path:
    if begin_string not in DICTIONARY_FILES:
        raise FixConfigError(f"unsupported FIX version {begin_string!r} (supported: {', '.join(DICTIONARY_FILES)})")
    path = spec_dir() / DICTIONARY_FILES[begin_string]
    if not path.is_file():
        raise FixConfigError(f"FIX data dictionary {path} is missing: run scripts/ensure-env.sh "
                             "or set VIGIL_FIX_SPEC_DIR")
    return path


_dictionaries: dict[str, fix.DataDictionary] = {}


def data_dictionary(begin_string: str) -> fix.DataDictionary:
    if begin_string not in _dictionaries:
        _dictionaries[begin_string] = fix.DataDictionary(str(dictionary_path(begin_string)))
    return _dictionaries[begin_string]


@dataclass(frozen=True)
class SessionConfig:
    begin_string: str
    """FIX.4.4 or FIX.4.2."""
    sender_comp_id: str
    target_comp_id: str
    host: str = "127.0.0.1"
    """Initiator: where to connect. Acceptor: which address to listen on."""
    port: int = 0
    heartbeat_s: int = 30
    reconnect_s: int = 1
    """Initiator: seconds between connection attempts (QuickFIX's own backoff floor)."""


def write_settings(kind: str, sessions: list[SessionConfig], work_dir: Path, log: bool = False) -> fix.SessionSettings:
    """Settings for an 'initiator' or 'acceptor'; message store (sequence numbers) under work_dir."""
    work_dir.mkdir(parents=True, exist_ok=True)
    lines = ["[DEFAULT]", f"ConnectionType={kind}", f"FileStorePath={work_dir / 'store'}",
             "StartTime=00:00:00", "EndTime=00:00:00", "UseDataDictionary=Y", "ValidateUserDefinedFields=N",
             "AllowUnknownMsgFields=Y", "SocketNodelay=Y", "PersistMessages=Y", "ResetOnLogon=N",
             "ResetOnLogout=N", "ResetOnDisconnect=N"]
    if log:
        lines.append(f"FileLogPath={work_dir / 'log'}")
    for s in sessions:
        lines += ["", "[SESSION]", f"BeginString={s.begin_string}", f"SenderCompID={s.sender_comp_id}",
                  f"TargetCompID={s.target_comp_id}", f"HeartBtInt={s.heartbeat_s}",
                  f"DataDictionary={dictionary_path(s.begin_string)}"]
        if kind == "initiator":
            lines += [f"SocketConnectHost={s.host}", f"SocketConnectPort={s.port}", f"ReconnectInterval={s.reconnect_s}"]
        else:
            lines += [f"SocketAcceptHost={s.host}", f"SocketAcceptPort={s.port}"]
    path = work_dir / f"{kind}.cfg"
    path.write_text("\n".join(lines) + "\n")
    return fix.SessionSettings(str(path))

