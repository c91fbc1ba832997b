"""Scripted journeys for the simulator: a list of steps (press, record, silence, hangup, expect) walked
as one call, saying what the caller hears; used by `chaupal call` and the journey tests."""

from pathlib import Path

from ivr.simulator import CallError, SimulatedCall, Turn, audio_seconds


def run_script(
    call: SimulatedCall, steps: list, save_recording, say=print, base_dir: Path | None = None
) -> Turn:
    """Walk a journey (press, record, silence, hangup, expect) and say what the caller hears.

    save_recording(data, call_sid, seconds) -> (recording_sid, recording_url) keeps recorded audio
    where the line's download job can fetch it. Raises CallError on a dead end or a failed expectation.
    """
    turn = call.start()
    _tell(turn, say)
    for number, step in enumerate(steps, start=1):
        action, value = (step, None) if isinstance(step, str) else next(iter(step.items()))
        if action == "expect":
            _check_heard(turn, str(value), number)
            continue
        if turn.waiting == "ended":
            raise CallError(f"dead end: the call ended ({turn.end_reason}) before step {number} ({action})")
        turn = _perform(call, action, value, save_recording, base_dir or Path.cwd())
        say(f"> {action} {value if value is not None else ''}".rstrip())
        _tell(turn, say)
    return turn


def _perform(call: SimulatedCall, action: str, value, save_recording, base_dir: Path) -> Turn:
    if action == "press":
        return call.press(str(value))
    if action == "silence":
        return call.silence()
    if action == "hangup":
        return call.hang_up()
    if action in ("record", "hangup_while_recording"):
        data = (base_dir / value).read_bytes()
        seconds = audio_seconds(data)
        sid, url = save_recording(data, call.call_sid, seconds)
        return call.record(sid, url, seconds, hang_up=action == "hangup_while_recording")
    raise CallError(
        f"unknown step '{action}' (use press, record, silence, hangup, hangup_while_recording, expect)"
    )


def _check_heard(turn: Turn, text: str, number: int) -> None:
    spoken = " ".join(h.text for h in turn.heard if h.kind == "say")
    if text not in spoken:
        raise CallError(f"step {number}: expected to hear “{text}”, heard: {spoken or 'nothing spoken'}")


def _tell(turn: Turn, say) -> None:
    for heard in turn.heard:
        say(f"  {heard.describe()}")
    if turn.waiting == "ended":
        say(f"  [call ended: {turn.end_reason}]")
    else:
        say(f"  [waiting for {'keys' if turn.waiting == 'gather' else 'a recording'}]")
