# ruff: noqa: E402
"""Latency of unrelated requests while a changed 5,000-entry FAQ is re-imported.

Generates a fictional FAQ of `--entries` question–answer rows (TSV, Japanese text built here
from word lists; nothing from ../shared) and a small FAQ for a second incident, starts
`breachdesk serve` on loopback over a fresh SQLite file (or a private PostgreSQL schema) with
an empty embedding cache and the public rate limit off, and uploads the big FAQ through the API
(`POST /api/v1/incidents/{slug}/documents`, admin token). Then, with `--clients` client threads
asking questions of the *other* incident (every one distinct, so each is a full engine run, and
logged like a real one unless `--draft`) and listing incidents (`GET /api/v1/incidents`), it:

1. measures a quiet baseline;
2. uploads a changed version of the FAQ (`--changed` of the answers edited) and keeps the load
   on until the big incident serves an edited answer: the latencies of that window, the upload's
   own time and the time until the new text was served ("rebuild");
3. saves and approves one edited entry (`…/versions`, `…/approve`) and does the same.

Prints p50 / p99 / max in milliseconds per request kind and phase; the target is p99 < 100 ms
during both. Asserts nothing.

    .venv/bin/python bench/reimport.py [--entries 5000] [--changed 0.05] [--clients 2]
                                       [--db sqlite|postgresql] [--draft]
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/http.py would shadow the standard library's `http` package for a script in this folder.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field

import numpy as np

BIG = "bench-big"
OTHER = "bench-other"
POSTGRES = os.environ.get(
    "BREACHDESK_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SCHEMA = f"bench_reimport_{os.getpid()}"

# Word lists for a fictional mail-order business's leak FAQ: every question names a service, a
# data item and what the person wants to know, so 5,000 rows are distinct and read naturally.
SERVICES = [
    "オンラインストア",
    "定期便サービス",
    "会員ポイントサービス",
    "ギフトカタログ",
    "ふるさと納税の返礼品サイト",
    "店頭受取サービス",
    "公式アプリ",
    "メールマガジン",
    "キャンペーン応募フォーム",
    "カスタマーサポート窓口",
    "法人向け購入サイト",
    "レンタルサービス",
    "予約サイト",
    "チケット販売サイト",
    "料理教室の申込フォーム",
    "修理受付サービス",
    "下取りサービス",
    "家電延長保証サービス",
    "旅行予約サイト",
    "オンライン講座",
    "子ども向け通信教材",
    "ペット用品の通販サイト",
    "古本買取サービス",
    "花の配達サービス",
    "お菓子の頒布会",
    "ワイン定期購入サービス",
    "化粧品サンプル申込",
    "健康食品の通販サイト",
    "スポーツ用品の会員サイト",
    "文房具の通販サイト",
    "園芸用品の通販サイト",
    "手芸キットの定期便",
    "アウトドア用品のレンタル",
    "音楽教室の会員サイト",
    "電子書籍ストア",
    "地域商品券の申込サイト",
]
ITEMS = [
    "クレジットカード番号",
    "カードの有効期限",
    "セキュリティコード",
    "氏名",
    "住所",
    "電話番号",
    "メールアドレス",
    "生年月日",
    "ログインパスワード",
    "購入履歴",
    "配送先の情報",
    "会員番号",
    "ポイント残高",
    "口座情報",
]
ASKS = [
    "{service}で登録した{item}は漏えいしましたか",
    "{service}の{item}が流出したか確認する方法はありますか",
    "{service}を退会済みですが、{item}は対象になりますか",
    "{service}の{item}が不正に使われた場合、補償はありますか",
    "{service}で{item}を変更したほうがよいですか",
    "{service}の{item}について、いつからいつまでが対象期間ですか",
    "{service}の{item}の漏えいについて、お知らせのメールが届きません",
    "{service}の{item}を削除してもらうことはできますか",
    "{service}で{item}を入力した覚えがないのに通知が来ました",
    "{service}の{item}について、家族の分も問い合わせできますか",
    "{service}の{item}の件で、警察には届けたほうがよいですか",
    "{service}の{item}が漏れたことによる二次被害が心配です",
    "{service}の{item}を装った不審な電話がありました",
    "{service}の{item}について、再発防止策を教えてください",
]
OPENINGS = [
    "ご心配をおかけし、誠に申し訳ございません。",
    "このたびはご迷惑をおかけしておりますことを深くお詫び申し上げます。",
    "お問い合わせいただきありがとうございます。",
    "ご不安な思いをおかけし、申し訳ございません。",
]
BODIES = [
    "{service}をご利用のお客様のうち、{year}年{month}月{day}日から{month2}月{day2}日までに{item}を登録または変更された方が対象です。",
    "対象となるお客様には、{month2}月{day2}日から順次、登録のメールアドレスあてにお知らせをお送りしています。",
    "{item}が第三者に利用された形跡は、現時点では確認されておりません。",
    "{item}の変更は、{service}のマイページからいつでも行うことができます。",
    "身に覚えのないご請求がある場合は、お手元のカードの裏面に記載のカード会社へご連絡ください。",
    "不正利用と認められたご利用分は、お客様にご負担いただくことはございません。",
    "退会済みのお客様についても、{year}年{month}月以降にご利用のあった方は調査の対象としております。",
    "当社から電話やメールで{item}をお尋ねすることはございませんので、ご注意ください。",
    "カードの再発行にかかる手数料は、当社が負担いたします。",
    "お問い合わせの際は、ご登録の氏名と電話番号をお知らせください。",
    "調査は外部の専門機関に依頼しており、結果がまとまり次第お知らせいたします。",
    "{service}のシステムは{month2}月{day2}日に停止し、安全を確認したうえで再開する予定です。",
    "個人情報保護委員会および警察へは、{month2}月{day2}日に報告・相談を行っております。",
    "ご家族の分のお問い合わせは、ご本人の同意をいただいたうえで承ります。",
]
CLOSINGS = [
    "ご不明な点は専用窓口（受付番号{ref}）までお問い合わせください。",
    "詳しくは{service}のお知らせページ（管理番号{ref}）をご覧ください。",
    "引き続き対策に努めてまいります。（参照番号{ref}）",
]
EDITS = [
    "なお、{month2}月{day2}日時点の調査で新たに判明した内容を反映しました。",
    "追記：対象期間を{month}月{day}日からに訂正いたしました。",
    "窓口の受付時間を平日9時から18時に延長しております。",
]


@dataclass(frozen=True)
class Row:
    question: str
    answer: str


def faq(count: int, seed: int) -> list[Row]:
    """`count` distinct fictional FAQ rows: a question per (service, item, ask), an answer of
    three to five sentences with its own dates and reference number."""
    rng = random.Random(seed)
    combos = [(s, i, a) for a in ASKS for s in SERVICES for i in ITEMS]
    rng.shuffle(combos)
    if count > len(combos):
        raise SystemExit(f"at most {len(combos)} entries can be generated")
    rows = []
    for n, (service, item, ask) in enumerate(combos[:count]):
        values = {
            "service": service,
            "item": item,
            "year": rng.choice([2023, 2024, 2025]),
            "month": rng.randint(1, 9),
            "day": rng.randint(1, 28),
            "month2": rng.randint(10, 12),
            "day2": rng.randint(1, 28),
            "ref": f"{chr(65 + n % 26)}-{n:05d}",
        }
        body = rng.sample(BODIES, rng.randint(2, 4))
        sentences = [rng.choice(OPENINGS), *body, rng.choice(CLOSINGS)]
        rows.append(
            Row(ask.format(**values) + "？", "".join(s.format(**values) for s in sentences))
        )
    return rows


def changed(rows: list[Row], share: float, seed: int) -> tuple[list[Row], list[int]]:
    """The FAQ with `share` of its answers edited (a sentence appended), and which rows."""
    rng = random.Random(seed)
    picked = sorted(rng.sample(range(len(rows)), max(1, round(len(rows) * share))))
    out = list(rows)
    for k in picked:
        edit = rng.choice(EDITS).format(
            month=rng.randint(1, 9),
            day=rng.randint(1, 28),
            month2=rng.randint(10, 12),
            day2=rng.randint(1, 28),
        )
        out[k] = Row(rows[k].question, rows[k].answer + edit)
    return out, picked


def write_tsv(path: Path, rows: list[Row]) -> None:
    lines = ["No\t質問\t回答"] + [f"{n}\t{r.question}\t{r.answer}" for n, r in enumerate(rows, 1)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


class Client:
    """One keep-alive HTTP connection to the server."""

    def __init__(self, port: int, token: str | None = None) -> None:
        self.port = port
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        for attempt in range(2):
            try:
                self.conn.request(method, path, body, {**self.headers, **(headers or {})})
                response = self.conn.getresponse()
                return response.status, response.read()
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def json(self, method: str, path: str, payload: object | None = None) -> object:
        body = None if payload is None else json.dumps(payload).encode("utf-8")
        status, data = self.request(method, path, body, {"Content-Type": "application/json"})
        if status >= 300:
            raise SystemExit(f"{method} {path}: {status} {data[:300]!r}")
        return json.loads(data) if data else None

    def upload(self, slug: str, path: Path) -> object:
        boundary = uuid.uuid4().hex
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
                f'filename="{path.name}"\r\nContent-Type: text/tab-separated-values\r\n\r\n'
            ).encode()
            + path.read_bytes()
            + f"\r\n--{boundary}--\r\n".encode()
        )
        status, data = self.request(
            "POST",
            f"/api/v1/incidents/{slug}/documents",
            body,
            {"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        if status >= 300:
            raise SystemExit(f"upload {path.name}: {status} {data[:300]!r}")
        return json.loads(data)


@dataclass
class Load:
    """Client threads asking the other incident and listing incidents until stopped."""

    port: int
    questions: list[str]
    clients: int
    pause: float
    draft: bool
    samples: list[tuple[float, str, float, int]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        for k in range(self.clients):
            t = threading.Thread(target=self._run, args=(k,), daemon=True)
            t.start()
            self.threads.append(t)

    def close(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join()

    def _run(self, k: int) -> None:
        client = Client(self.port)
        rng = random.Random(k)
        n = 0
        while not self.stop.is_set():
            n += 1
            if n % 4:  # three asks to one listing, a desk's public traffic
                kind = "ask"
                q = f"{rng.choice(self.questions)}（{k}-{n}）"
                payload = json.dumps({"question": q, "draft": self.draft}).encode("utf-8")
                start = time.perf_counter()
                status, _ = client.request(
                    "POST",
                    f"/api/v1/incidents/{OTHER}/ask",
                    payload,
                    {"Content-Type": "application/json"},
                )
            else:
                kind = "incidents"
                start = time.perf_counter()
                status, _ = client.request("GET", "/api/v1/incidents")
            end = time.perf_counter()
            self.samples.append((start, kind, end - start, status))
            time.sleep(self.pause)

    def between(self, t0: float, t1: float) -> dict[str, list[tuple[float, int]]]:
        out: dict[str, list[tuple[float, int]]] = {}
        for start, kind, took, status in list(self.samples):
            if t0 <= start < t1:
                out.setdefault(kind, []).append((took, status))
        return out


def report(phase: str, load: Load, t0: float, t1: float) -> None:
    for kind, rows in sorted(load.between(t0, t1).items()):
        ms = np.array([r[0] for r in rows]) * 1000
        bad = sum(1 for r in rows if r[1] >= 400)
        label = "POST /ask (other)" if kind == "ask" else "GET /incidents"
        print(
            f"  {phase:<12} {label:<18} n={len(ms):<5} p50={np.percentile(ms, 50):7.1f} ms "
            f"p99={np.percentile(ms, 99):7.1f} ms max={ms.max():7.1f} ms errors={bad}"
            f"{'' if np.percentile(ms, 99) < 100 else '   (over the 100 ms target)'}"
        )


def served(client: Client, question: str, marker: str) -> bool:
    """Whether the big incident answers `question` with text containing `marker` (a draft ask:
    it also makes the server notice the new knowledge-base version)."""
    found = client.json(
        "POST", f"/api/v1/incidents/{BIG}/ask", {"question": question, "draft": True}
    )
    assert isinstance(found, dict)
    texts = [found.get("answer") or ""] + [s["answer"] for s in found.get("suggestions") or []]
    return any(marker in t for t in texts)


def wait_served(client: Client, question: str, marker: str, timeout: float) -> float:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if served(client, question, marker):
            return time.perf_counter()
        time.sleep(0.1)
    raise SystemExit(f"the edited answer was not served within {timeout:.0f} s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(port: int, server: subprocess.Popen[bytes], timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server exited; see its log")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"server on port {port} did not come up in {timeout:.0f} s")


def database(kind: str, work: Path) -> str:
    if kind == "sqlite":
        return str(work / "reimport.db")
    import psycopg

    with psycopg.connect(POSTGRES.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{SCHEMA}"')
    return f"{POSTGRES}?options=-csearch_path%3D{SCHEMA}"


def drop_schema() -> None:
    import psycopg

    with psycopg.connect(POSTGRES.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--changed", type=float, default=0.05, help="share of answers edited")
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--pause", type=float, default=0.02, help="seconds between requests")
    parser.add_argument("--baseline", type=float, default=5.0, help="seconds of quiet load")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--draft",
        action="store_true",
        help="ask as drafts (not logged); by default every ask is logged like a real one",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-reimport-") as tmp:
        work = Path(tmp)
        url = database(args.db, work)
        env = {
            **os.environ,
            "BREACHDESK_DB": url,
            "BREACHDESK_RATE_LIMIT_PER_MINUTE": "0",
            "BREACHDESK_CACHE_DIR": str(work / "cache"),
        }
        exe = str(Path(sys.executable).with_name("breachdesk"))
        rows = faq(args.entries, args.seed)
        new_rows, picked = changed(rows, args.changed, args.seed + 1)
        write_tsv(work / "faq.tsv", rows)
        (work / "v2").mkdir()
        write_tsv(work / "v2" / "faq.tsv", new_rows)  # the same document, a new version
        other = faq(60, args.seed + 2)
        write_tsv(work / "other.tsv", other)
        out = subprocess.run(
            [exe, "token", "add", "bench", "--role", "admin"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        token = out.split()[-1]
        subprocess.run(
            [exe, "import", str(work / "other.tsv"), "--incident", OTHER],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        port = free_port()
        log = (work / "server.log").open("wb")
        server = subprocess.Popen(
            [exe, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        load = Load(port, [r.question for r in other], args.clients, args.pause, args.draft)
        try:
            wait_ready(port, server)
            admin = Client(port, token)
            start = time.perf_counter()
            admin.upload(BIG, work / "faq.tsv")
            first = time.perf_counter() - start
            print(
                f"{args.entries:,}-entry FAQ, {len(picked)} answers edited, {args.clients} clients "
                f"({args.pause * 1000:.0f} ms between requests), {args.db}, {os.cpu_count()} CPUs"
            )
            print(f"  first import of the FAQ (upload, parse, index): {first:.1f} s")
            edited = new_rows[picked[0]]
            marker = edited.answer[len(rows[picked[0]].answer) :]

            load.start()
            time.sleep(1.0)  # every client connected and warm
            t0 = time.perf_counter()
            time.sleep(args.baseline)
            report("quiet", load, t0, time.perf_counter())

            t0 = time.perf_counter()
            result = admin.upload(BIG, work / "v2" / "faq.tsv")
            uploaded = time.perf_counter()
            t1 = wait_served(admin, edited.question, marker, 300)
            assert isinstance(result, list)
            print(
                f"  re-import: upload answered in {uploaded - t0:.2f} s "
                f"({', '.join(f'{k} {sum(r[k] for r in result)}' for k in ('added', 'changed', 'retired'))}), "
                f"edited text served after {t1 - t0:.2f} s"
            )
            report("re-import", load, t0, t1)

            entry = None
            found = admin.json(
                "POST",
                f"/api/v1/incidents/{BIG}/ask",
                {"question": rows[1].question, "draft": True},
            )
            assert isinstance(found, dict)
            entry = found.get("entry") or (found.get("suggestions") or [{}])[0].get("entry")
            if entry is None:
                raise SystemExit("the big incident did not answer its own question")
            detail = admin.json("GET", f"/api/v1/incidents/{BIG}/entries/{entry}")
            assert isinstance(detail, dict)
            current = detail["versions"][-1]
            marker = "（承認テスト：窓口の受付時間を変更しました。）"
            t0 = time.perf_counter()
            created = admin.json(
                "POST",
                f"/api/v1/incidents/{BIG}/entries/{entry}/versions",
                {"question": current["question"], "answer": current["answer"] + marker},
            )
            assert isinstance(created, dict)
            admin.json(
                "POST",
                f"/api/v1/incidents/{BIG}/entries/{entry}/versions/{created['version']}/approve",
            )
            approved = time.perf_counter()
            t1 = wait_served(admin, current["question"], marker, 300)
            print(
                f"  approval: edit and approve answered in {approved - t0:.2f} s, "
                f"approved text served after {t1 - t0:.2f} s"
            )
            report("approval", load, t0, t1)
            t0 = time.perf_counter()
            time.sleep(args.baseline)
            report("after", load, t0, time.perf_counter())
        finally:
            load.close()
            server.terminate()
            server.wait(timeout=60)
            log.close()
            if args.db == "postgresql":
                drop_schema()
        print("  target: p99 < 100 ms while the index is rebuilt")


if __name__ == "__main__":
    main()
