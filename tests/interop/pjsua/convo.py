"""Plumbing of the conversation interop scripts: Switchboard's REST API, agents' phones
registered as extensions, a trunk's far end that answers every call it is sent, and the
tone analysis that proves who hears whom among any number of parties.

Each party plays its own tone; a round records what every party hears, and the Goertzel
power at each other party's frequency says whether it heard that party. Every wait and
every request is bounded; a failure prints one line and exits 1 (see phones.py).
"""
import json
import os
import tempfile
import urllib.error
import urllib.request

import pjsua2 as pj

from phones import Account, goertzel_power, read_wav, write_tone

# Far apart, clear of each other's harmonics and of the built-in hold music's notes.
TONES = {"customer": 2053.0, "alice": 1109.0, "bob": 1747.0, "second": 2389.0, "third": 1433.0}
ROUND_S = 1.6
# The first part of every recording is dropped: jitter buffers refill after a mode change.
SETTLE_S = 0.5


class Api:
    """Switchboard's REST API with a call center's token; answers are the `data` of the
    envelope, and anything but code 000000 fails the script."""

    def __init__(self, phones, base, token):
        self.p = phones
        self.base = base.rstrip("/")
        self.token = token

    def call(self, method, path, body=None, expect="000000"):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Authorization", f"Bearer {self.token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                envelope = json.loads(r.read())
        except urllib.error.HTTPError as e:
            envelope = json.loads(e.read() or b"{}")
        if envelope.get("code") != expect:
            self.p.fail(f"{method} {path} {body} answered {envelope}, expected code {expect}")
        return envelope.get("data")

    def post(self, path, body=None, expect="000000"):
        return self.call("POST", path, body or {}, expect)

    def get(self, path):
        return self.call("GET", path)


class Keeper(Account):
    """An account that answers every call with `answer` and keeps them all, newest last."""

    def __init__(self, answer):
        super().__init__(answer=answer)
        self.calls = []

    def onIncomingCall(self, prm):
        super().onIncomingCall(prm)
        self.calls.append(self.incoming)


def trunk_end(p, bind):
    """A UDP transport on exactly `bind` (`ip:port`, the trunk's address) and the account
    answering there."""
    ip, port = bind.rsplit(":", 1)
    tcfg = pj.TransportConfig()
    tcfg.port = int(port)
    tcfg.boundAddress = ip
    p.transports.append(p.ep.transportCreate(pj.PJSIP_TRANSPORT_UDP, tcfg))
    return p.account(Keeper((180, 200)), f"sip:far@{bind}", len(p.transports) - 1, rtp_base=52000)


def agent_phone(p, server, user, password, rtp_base):
    """An agent's phone, registered as extension `user`, answering at once."""
    acc = p.account(Keeper((200,)), f"sip:{user}@{server}", 0, f"sip:{server}", user,
                    password, rtp_base=rtp_base)
    p.wait(lambda: acc.codes, f"{user}'s registration")
    if acc.codes[-1] != 200:
        p.fail(f"{user}'s REGISTER was answered {acc.codes}")
    return acc


def up(call):
    return (call is not None and call.state == pj.PJSIP_INV_STATE_CONFIRMED and call.media_up)


def down(call):
    return call is None or call.state == pj.PJSIP_INV_STATE_DISCONNECTED


class Rounds:
    """Records what each party hears while all play their tones."""

    def __init__(self, p):
        self.p = p
        self.tmp = tempfile.mkdtemp(prefix="sb-pjsua-conv-")
        self.n = 0
        self.tones = {}
        for name, hz in TONES.items():
            path = os.path.join(self.tmp, f"{name}-tone.wav")
            write_tone(path, hz, seconds=ROUND_S + 2.0)
            self.tones[name] = path

    def listen(self, parties):
        """`parties`: name → call. Returns name → {other name: power at its tone}, and
        prints the table."""
        self.n += 1
        players, recorders, files = [], [], {}
        for name, call in parties.items():
            media = call.getAudioMedia(-1)
            player = pj.AudioMediaPlayer()
            player.createPlayer(self.tones[name], 0)
            player.startTransmit(media)
            heard = os.path.join(self.tmp, f"round{self.n}-{name}.wav")
            recorder = pj.AudioMediaRecorder()
            recorder.createRecorder(heard)
            media.startTransmit(recorder)
            players.append(player)
            recorders.append((media, recorder))
            files[name] = heard
        self.p.pump(ROUND_S)
        for media, recorder in recorders:
            media.stopTransmit(recorder)
        for player, (media, _) in zip(players, recorders):
            player.stopTransmit(media)
        out = {}
        for name, path in files.items():
            rate, samples = read_wav(path)
            body = samples[int(rate * SETTLE_S):]
            if len(body) < rate // 2:
                self.p.fail(f"round {self.n}: {name}'s recording is too short")
            out[name] = {other: goertzel_power(body, rate, TONES[other])
                         for other in parties}
        return out

    def expect(self, what, parties, hears):
        """Checks one round: `hears(listener, speaker)` says whether the listener must hear
        the speaker. Heard: at least 1e6 (a tone a few dB below full scale gives ~1e10);
        not heard: 30 dB under the loudest tone of the round and under 1e6."""
        levels = self.listen(parties)
        loudest = max(v for row in levels.values() for v in row.values())
        silent = min(1e6, loudest / 1000)
        wrong = []
        for listener, row in levels.items():
            cells = []
            for speaker, power in row.items():
                if speaker == listener:
                    continue
                must = hears(listener, speaker)
                cells.append(f"{speaker} {power:.1e}{'' if must else ' (silent)'}")
                if must and power < 1e6:
                    wrong.append(f"{listener} does not hear {speaker} ({power:.1e})")
                if not must and power >= silent:
                    wrong.append(f"{listener} hears {speaker} ({power:.1e})")
            own = row[listener]
            if own >= silent:
                wrong.append(f"{listener} hears itself ({own:.1e})")
            print(f"  {what}: {listener} hears {', '.join(cells)}", flush=True)
        if wrong:
            self.p.fail(f"{what}: " + "; ".join(wrong))

    def loudness(self, call):
        """The loudest 100 ms of what `call` hears over one round with nobody playing, as
        mean power: hold music, a queue prompt or a ringback burst is loud, silence not."""
        self.n += 1
        media = call.getAudioMedia(-1)
        heard = os.path.join(self.tmp, f"round{self.n}-quiet.wav")
        recorder = pj.AudioMediaRecorder()
        recorder.createRecorder(heard)
        media.startTransmit(recorder)
        self.p.pump(ROUND_S)
        media.stopTransmit(recorder)
        rate, samples = read_wav(heard)
        window = rate // 10
        body = samples[window:]
        return max((sum(x * x for x in body[i:i + window]) / window
                    for i in range(0, len(body) - window + 1, window)), default=0.0)


# A supervisor listening in (story.py) plays the third party's tone.
TONES["sue"] = TONES["third"]


def upload(api, name, path):
    """Stores the WAV file at `path` as the call center's media file `name`."""
    with open(path, "rb") as f:
        req = urllib.request.Request(f"{api.base}/v1/callcenter/media/{name}", data=f.read(),
                                     method="PUT")
    req.add_header("Authorization", f"Bearer {api.token}")
    req.add_header("Content-Type", "audio/wav")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            envelope = json.loads(r.read())
    except urllib.error.HTTPError as e:
        envelope = json.loads(e.read() or b"{}")
    if envelope.get("code") != "000000":
        api.p.fail(f"PUT media {name} answered {envelope}")


def record(p, call, seconds, tmp, name):
    """What `call` hears over `seconds`: (rate, samples)."""
    media = call.getAudioMedia(-1)
    path = os.path.join(tmp, f"{name}.wav")
    recorder = pj.AudioMediaRecorder()
    recorder.createRecorder(path)
    media.startTransmit(recorder)
    p.pump(seconds)
    media.stopTransmit(recorder)
    return read_wav(path)
