"""The kinds of exchange bundle, on their own so that the command line can list them
without loading the bundle code (bundle_format.py re-exports them)."""

KINDS = ("criteria", "submission", "review", "year")
KIND_LABELS = {"criteria": "考评标准与单位", "submission": "自评提交", "review": "考评结果", "year": "县年度数据"}
