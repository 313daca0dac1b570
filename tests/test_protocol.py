"""The typed wire (autograde/wire/protocol.py): every message round-trips through its class, and
whatever else the worker's side sends is a ProtocolError that fails the submission closed."""

import json

import pytest
import torch

from autograde.common import errors
from autograde.spec.sandbox import SandboxImpl
from autograde.wire.protocol import (
    ERROR_KINDS,
    Answer,
    Config,
    FileReport,
    Hello,
    ProtocolError,
    Request,
    Skipped,
    StatementEvent,
    decode_loading,
    encode_loading,
)
from autograde.wire.transport import decode, encode

SKIPPED = Skipped("a.py", "line 3", "fit()", "failed", "RuntimeError: no data", binds=("x",), position=(0, 3))
HELLO = Hello(("notebook.ipynb was ignored",), (FileReport("a.py", 7, 1.25, (SKIPPED,)),),
              (("it did not load", "Traceback ..."),), ())


def test_each_message_round_trips_through_its_class():
    skip = (("a.py", 3, "was skipped", "hung"),)
    config = Config("/s/a.py", "/s/cwd", ("/s",), ("/ref",), ("/s",), 20.0, 120.0, skip, 5, 6, False, True, None, 3600,
                    1 << 30, 512)
    assert Config.from_json(config.to_json()) == config
    event = StatementEvent("start", "a.py", 3, "line 3", "fit()", 20.0)
    assert decode_loading(encode_loading(event)) == event
    assert decode_loading(encode_loading(HELLO)) == HELLO
    request = Request("forward", "MLPNet", (torch.ones(2),), {"mode": "eval"})
    back = Request.from_data(decode(*encode(request.as_data())))
    assert (back.probe, back.name, back.kwargs) == ("forward", "MLPNet", {"mode": "eval"})
    assert torch.equal(back.args[0], torch.ones(2))
    for answer in (Answer(value=[1, 2.5, "x"]), Answer.failure(errors.MissingName("no MLPNet", "it defines Net"))):
        assert Answer.from_data(decode(*encode(answer.as_data()))) == answer


def test_a_failure_comes_back_as_its_own_class_and_only_a_known_one():
    with pytest.raises(errors.MissingName, match="no MLPNet"):
        Answer(kind="MissingName", message="no MLPNet").result()
    assert set(ERROR_KINDS) == {"MissingName", "SubmissionImportError", "ImplError", "ObservationError", "Tampered"}
    # A subclass the worker might raise is sent as a kind the table has, never as its own name.
    assert Answer.failure(ProtocolError("x")).kind == "ObservationError"


@pytest.mark.parametrize("data", [
    {"ok": False, "kind": "SystemExit", "message": "bye", "detail": ""},  # a class outside the table
    {"ok": False, "kind": "__class__", "message": "", "detail": ""},  # an attribute of the errors module
    {"ok": False, "kind": "MissingName", "message": 7, "detail": ""},
    {"ok": True, "value": 1, "extra": 2},
    {"ok": 1, "value": 1},
    [True, 1],
])
def test_an_answer_the_protocol_does_not_have_is_refused(data):
    with pytest.raises(ProtocolError):
        Answer.from_data(data)


@pytest.mark.parametrize("text", [
    "not json",
    json.dumps({"statement": {"file": "x"}}),
    json.dumps({"statement": {"event": "start", "file": "a", "ordinal": True, "where": "", "code": "", "budget": 1}}),
    json.dumps({"ready": {"notes": [], "files": [{"name": "a", "ran": "7", "seconds": 1, "skipped": []}],
                          "import_errors": [], "tampered": []}}),
    json.dumps({"ready": {"notes": [], "files": [], "import_errors": [["only a message"]], "tampered": []}}),
    json.dumps({"ready": {}, "statement": {}}),
])
def test_a_loading_message_the_protocol_does_not_have_is_refused(text):
    with pytest.raises(ProtocolError):
        decode_loading((text, b""))


FORGES_AN_ERROR_KIND = '''
import json, os, struct, sys

from torch import nn

ANSWERS = json.loads(sys.argv[1])["answers_fd"]


class MLPNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(1024, 100), nn.Linear(100, 10)

    def forward(self, x):  # an answer of its own first, naming a class the grader should look up
        forged = json.dumps({"__dict__": [["ok", False], ["kind", "SubmissionProblem"], ["message", "m"],
                                          ["detail", ""]]}).encode()
        os.write(ANSWERS, struct.pack("!QQ", len(forged), 0) + forged)
        return self.fc2(self.fc1(x.flatten(-2)).relu())
'''


def test_a_forged_error_kind_from_the_worker_fails_the_submission_closed(tmp_path):
    path = tmp_path / "forger.py"
    path.write_text(FORGES_AN_ERROR_KIND)
    impl = SandboxImpl(path, timeout=60, start_timeout=120)
    try:
        with pytest.raises(errors.Tampered, match="of a kind the protocol does not have"):
            impl.forward("MLPNet", torch.rand(32, 32))
        with pytest.raises(errors.Tampered):  # and nothing it says afterwards counts
            impl.parameters("MLPNet")
    finally:
        impl.close()
