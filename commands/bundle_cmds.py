"""`bundle export | import | trust | keys | name | received`: exchange bundles on USB sticks."""

from __future__ import annotations

from storage.exchange.bundle_kinds import KINDS

from .output import group, print_json
from .workspace_cmds import workspace

# storage.exchange's modules are imported by the commands using them: main.py
# registers every command before opening the app, which must start quickly.


def bundle_export(args) -> int:
    from storage.errors import StorageError
    from storage.exchange.export import export_bundle

    if args.kind == "year" and args.refs:
        raise StorageError("县年度数据包按 --year（和 --county）选择考评，不接受考评编号")
    if args.kind != "year" and (args.year is not None or args.county or args.no_photos):
        raise StorageError("--year、--county、--no-photos 只用于 --kind year（县年度数据包）")
    with workspace(args) as ws:
        result = export_bundle(ws, args.kind, args.refs, args.out, year=args.year, county=args.county,
                               photos=not args.no_photos)
    for line in result.lines():
        print(line)
    return 0


def bundle_import(args) -> int:
    from storage.exchange import signing
    from storage.exchange.importer import import_bundle

    with workspace(args, reads_only=args.dry_run) as ws:
        result = import_bundle(ws, args.file, dry_run=args.dry_run, require_trusted=args.require_trusted,
                               accept_key_change=args.accept_key_change)
        lines = result.lines()
    if args.json:
        print_json({"applied": result.applied, "changed": result.changed, "dry_run": result.dry_run,
                    "counts": result.counts, "skipped": result.skipped, "notices": result.plan.notices,
                    "signer": {"workspace_id": result.plan.signer.workspace_id,
                               "workspace_name": result.plan.signer.workspace_name,
                               "fingerprint": signing.pretty(result.plan.signer.fingerprint),
                               "trust": result.plan.trust},
                    "summary": result.plan.summary()})
        return 0
    for line in lines:
        print(line)
    return 0


def bundle_trust(args) -> int:
    from storage.exchange import signing
    from storage.exchange.trust import trust_signer

    with workspace(args) as ws:
        if args.bundle and not args.revoke:
            row = trust_signer(ws, args.bundle, args.fingerprint, label=args.label)
        else:
            row = signing.trust_key(ws, args.fingerprint, label=args.label, trusted=not args.revoke)
    state = "已信任" if row["trusted"] else "已取消信任"
    print(f"{state}：{row['label'] or row['workspace_name']} 工作区，密钥 {signing.pretty(row['fingerprint'])}")
    return 0


def bundle_keys(args) -> int:
    from storage.exchange import signing

    from storage.errors import StorageError

    with workspace(args, reads_only=True) as ws:
        try:
            me = signing.identity(ws, create=not ws.readonly)
        except StorageError:
            me = None  # a read-only workspace that never exported: no key of its own yet
        rows = signing.list_keys(ws)
    if args.json:
        own = None if me is None else {"workspace_id": me.workspace_id, "workspace_name": me.name,
                                       "fingerprint": signing.pretty(me.fingerprint)}
        print_json({"own": own, "keys": [r | {"fingerprint": signing.pretty(r["fingerprint"])} for r in rows]})
        return 0
    if me is None:
        print("本工作区：还没有签名密钥（工作区以只读方式打开；以可写方式打开并导出交换包时生成）")
    else:
        print(f"本工作区：{me.name}  密钥 {signing.short(me.fingerprint)}")
        print(f"  完整指纹 {signing.pretty(me.fingerprint)}")
    if not rows:
        print("尚未见过其他工作区的密钥（导入对方的交换包后会出现在这里）")
    for r in rows:
        state = "已信任" if r["trusted"] else "未信任"
        name = r["label"] or r["workspace_name"]
        print(f"{signing.short(r['fingerprint'])}\t{state}\t{name}\t首次见到 {r['first_seen']}\t"
              f"{signing.pretty(r['fingerprint'])}")
    return 0


def bundle_name(args) -> int:
    from storage.exchange import signing

    with workspace(args, readonly=args.name is None) as ws:
        name = signing.set_workspace_name(ws, args.name) if args.name is not None else signing.workspace_name(ws)
    print(name)
    return 0


def bundle_received(args) -> int:
    from storage.exchange.progress import received_bundles, review_progress

    with workspace(args, readonly=True) as ws:
        rows = received_bundles(ws)
        progress = review_progress(ws, args.year)
    if args.json:
        print_json({"received": rows, "assessments": progress})
        return 0
    for r in rows:
        print(f"{r['imported_at']}\t{r['kind']}\t{r['workspace_name']}（{r['short']}）\t{r['bundle_id']}")
    if rows and progress:
        print()
    for p in progress:
        items = p["items"] if p["items"] is not None else "?"
        print(f"{p['id']}\t{p['year']}\t{p['unit_name']}\t{p['status']}\t自评 {p['self_answered']}/{items}\t"
              f"考评 {p['review_answered']}/{items}\t照片 {p['self_photos']}+{p['review_photos']}")
    return 0


def register(subparsers, groups) -> None:
    bundle = group(subparsers, groups, "bundle", "交换包（U 盘离线交换）")
    p = bundle.add_parser("export", help="导出交换包")
    p.add_argument("--kind", required=True, choices=KINDS)
    p.add_argument("refs", nargs="*", metavar="ASSESSMENT",
                   help="考评编号（submission / review，缺省为全部）；criteria 时为标准 ID[@VERSION]（缺省为全部）")
    p.add_argument("--year", type=int, help="（year）导出哪一年的考评")
    p.add_argument("--county", metavar="NAME", help="（year）哪个县（市、区）；工作区只有一个县时可省略")
    p.add_argument("--no-photos", action="store_true", help="（year）不含照片文件，只含照片的记录与说明")
    p.add_argument("--out", required=True, help="交换包文件（.dabiao）")
    p.set_defaults(func=bundle_export)

    p = bundle.add_parser("import", help="导入交换包（先全部检查，再一次性应用）")
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="只检查并说明将做的改动，不改工作区")
    p.add_argument("--require-trusted", action="store_true", help="签名密钥未被信任时拒绝导入")
    p.add_argument("--accept-key-change", action="store_true",
                   help="人工核对后确认：允许另一把密钥签名的包覆盖此前由已信任密钥提供的考评数据")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=bundle_import)

    p = bundle.add_parser("trust", help="信任某工作区的签名密钥（按指纹）")
    p.add_argument("fingerprint", help="指纹，至少 8 位，如 3F2A-9C1B")
    p.add_argument("--bundle", metavar="FILE", help="尚未导入过时：从该交换包读取并核对签名密钥")
    p.add_argument("--label", help="本地为该工作区起的名字")
    p.add_argument("--revoke", action="store_true", help="取消信任")
    p.set_defaults(func=bundle_trust)

    p = bundle.add_parser("keys", help="本工作区的密钥，及见过的其他工作区密钥")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=bundle_keys)

    p = bundle.add_parser("name", help="查看或设置本工作区在交换包上的名称")
    p.add_argument("name", nargs="?")
    p.set_defaults(func=bundle_name)

    p = bundle.add_parser("received", help="收到的交换包与各考评的进度")
    p.add_argument("--year", type=int)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=bundle_received)

