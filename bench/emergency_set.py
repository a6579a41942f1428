"""Writes classifier/data/emergency_cases.csv: the labelled set the learned emergency detector trains on.
The templates are in bench/data/emergency_templates.toml: emergencies are the patterns of retail-banking loss
and fraud, each said several ways in Chinese and English; the routine ones are everyday complaints, many of
them mentioning a past fraud, a replaced card, a fee or a delay (hard negatives). Each template is filled up
to four times from the slots; bench/emergency.py holds out whole templates, so a figure is measured on
phrasings the detector never saw.

The sets once written apart to measure the detector, then spent (read, so no longer clean figures), join the
training cases as they are: they are the closest thing here to customers' own words. Each of their rows is
its own template, and its family is its pattern.

    .venv/bin/python bench/emergency_set.py        # rewrites the CSV (seeded: the same file every time)
    .venv/bin/python bench/emergency_set.py --out /tmp/cases.csv   # elsewhere, to compare"""
import csv
import random
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "bench" / "data" / "emergency_templates.toml"
OUT = ROOT / "classifier" / "data" / "emergency_cases.csv"
SPENT = [ROOT / "bench" / "data" / f"emergency_unseen{n}.csv" for n in ("", "_2", "_3", "_4", "_5", "_6")]


def main(out: Path = OUT) -> None:
    data = tomllib.loads(TEMPLATES.read_text(encoding="utf-8"))
    slots = data.pop("slots")
    rng = random.Random(20261201)
    rows = []
    for section, table in data.items():
        label = 1 if section.startswith("emergency") else 0
        for key, templates in table.items():
            family = key.split(".")[0]
            for i, template in enumerate(templates):
                seen = set()
                for _ in range(4):
                    text = template.format(**{k: rng.choice(v) for k, v in slots.items()})
                    if text not in seen:
                        seen.add(text)
                        rows.append({"text": text, "emergency": label, "family": family, "template": f"{key}#{i}"})
    known = {r["text"] for r in rows}
    for path in SPENT:
        with path.open(encoding="utf-8", newline="") as f:
            for i, r in enumerate(csv.DictReader(f)):
                if r["text"] in known:
                    continue  # a set written apart can repeat a template's filling word for word
                known.add(r["text"])
                rows.append({"text": r["text"], "emergency": int(r["emergency"]), "family": r["pattern"],
                             "template": f"{path.stem}#{i}"})
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["text", "emergency", "family", "template"])
        writer.writeheader()
        writer.writerows(rows)
    pos = sum(r["emergency"] for r in rows)
    print(f"wrote {len(rows)} cases ({pos} emergencies, {len(rows) - pos} routine) to {out}")


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Write the emergency detector's labelled cases.")
    parser.add_argument("--out", type=Path, default=OUT)
    main(parser.parse_args().out)
