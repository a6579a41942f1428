"""Training and measuring the analyse stage's classifier."""
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from complaints.config import settings
from tools.cli.app import Force, app
from tools.cli.common import JsonFlag, emit, fail
from tools.cli.render import console

classifier_app = typer.Typer(no_args_is_help=True, help="Train and measure the analyse stage's classifier.")
app.add_typer(classifier_app, name="classifier")
CsvFile = Annotated[Path, typer.Option("--csv", help="A CSV file with a header row.")]
TextCol = Annotated[str, typer.Option("--text", help="The column holding the complaint text.")]
LabelCol = Annotated[str, typer.Option("--label", help="The column holding the label (business type).")]


@classifier_app.command("train")
def classifier_train(csv_file: CsvFile, text: TextCol, label: LabelCol,
                     out: Annotated[Path, typer.Option(help="A file, or a folder for a versioned file name.")]
                     = Path(".data/models")) -> None:
    """Train the model on labelled rows and save a versioned model file (set COMPLAINTS_MODEL_FILE to use it)."""
    from classifier.evaluate import read_csv
    from classifier.model import TrainedModel

    try:
        texts, labels = read_csv(csv_file, text, label)
    except (OSError, ValueError) as e:
        fail(str(e))
    with console.status(f"training on {len(texts)} rows…"):
        model = TrainedModel.train(texts, labels)
        path = model.save(out)
    console.print(f"trained [bold]{model.version}[/] on {len(texts)} rows, labels {', '.join(model.labels)} → {path}")
    console.print(f"use it: COMPLAINTS_CLASSIFIER=model COMPLAINTS_MODEL_FILE={path}")


@classifier_app.command("evaluate")
def classifier_evaluate(csv_file: Annotated[Path | None, typer.Option(
                            "--csv", help="A CSV file with a header row; without it, the rows the shipped model "
                                          "is trained on.")] = None,
                        text: TextCol = "narrative", label: LabelCol = "product",
                        model: Annotated[Path | None, typer.Option(help="A trained model file; without it, "
                                                                        "k-fold cross-validation of a new one.")] = None,
                        folds: int = 5, json: JsonFlag = False) -> None:
    """Accuracy, macro-F1, each label's precision and recall, and the confusion matrix; cross-validation keeps
    near-duplicate complaints in one fold."""
    from classifier.evaluate import cross_validate, metrics, read_csv
    from classifier.model import TrainedModel
    from classifier.shipped import ROWS

    try:
        texts, labels = read_csv(csv_file or ROWS, text, label)
    except (OSError, ValueError) as e:
        fail(str(e))
    with console.status("evaluating…"):
        if model is not None:
            predicted = [p for p, _ in TrainedModel.load(model).predict(texts)]
            result = metrics(labels, predicted)
        else:
            result = cross_validate(texts, labels, folds)
    if json:
        emit(result, True)
        return
    how = f"model {model}" if model is not None else \
        f"{folds}-fold cross-validation ({result.near_duplicates} rows with a near-duplicate, kept in its fold)"
    console.print(f"{result.rows} rows{'' if csv_file else ' (the shipped training rows)'}, {how}: accuracy "
                  f"[bold]{result.accuracy:.3f}[/], macro-F1 [bold]{result.macro_f1:.3f}[/]")
    table = Table(title="confusion matrix (rows: true, columns: predicted)", title_justify="left")
    table.add_column("")
    for name in result.labels:
        table.add_column(name[:14], justify="right")
    table.add_column("precision", justify="right")
    table.add_column("recall", justify="right")
    for i, (name, row) in enumerate(zip(result.labels, result.confusion, strict=True)):
        predicted_as = sum(r[i] for r in result.confusion)
        table.add_row(name, *[Text(str(v), style="bold green" if i == j else ("red" if v else "dim"))
                              for j, v in enumerate(row)],
                      f"{row[i] / predicted_as:.3f}" if predicted_as else "–", f"{row[i] / sum(row):.3f}" if sum(row) else "–")
    console.print(table)


@classifier_app.command("corrections")
def classifier_corrections(out: Annotated[Path, typer.Option(help="CSV file to write.")] = Path("corrections.csv"),
                           force: Force = False) -> None:
    """Corrections as new training rows: supervisors' (`correct_classification`) and decisions' of the
    regulator's codes (`codes_corrected`)."""
    from classifier.corrections import export_corrections
    from complaints.db import make_engine

    try:
        from complaints.fields import cipher_for

        count = export_corrections(make_engine(settings().db_url), out, cipher_for(settings()), force)
    except FileExistsError as e:
        fail(str(e))
    console.print(f"wrote {count} corrected complaints to [bold]{out}[/] (train with --text text --label business_type; "
                  "the codes' columns show which words a code table lacks)")


@app.command()
def classify(text: Annotated[str | None, typer.Argument(help="A complaint's text.")] = None,
             jsonl: Annotated[Path | None, typer.Option("--jsonl", help="A file of JSON lines, each with a `text` "
                                                        "(and optionally a `channel`).")] = None,
             channel: Annotated[str | None, typer.Option(help="The channel it came by (some rules read it).")] = None,
             json: JsonFlag = False) -> None:
    """Classify as the analyse stage would, with the configured classifier and taxonomy: try a change
    before it goes live. Nothing is stored."""
    import json as jsonlib

    if (text is None) == (jsonl is None):
        fail("give a text, or --jsonl FILE")
    items: list[dict] = [{"text": text, "channel": channel}] if text is not None else []
    if jsonl is not None:
        try:
            for n, line in enumerate(jsonl.read_text(encoding="utf-8").splitlines(), 1):
                if line.strip():
                    item = jsonlib.loads(line)
                    if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                        fail(f"{jsonl}:{n}: each line is a JSON object with a text")
                    items.append(item)
        except OSError as e:
            fail(f"cannot read {jsonl}: {e.strerror}")
        except ValueError as e:
            fail(f"{jsonl}: not JSON lines ({e})")
    from classifier import configured

    model = configured(settings())
    if hasattr(model, "ready"):  # the learned emergency detector: trained the first time, then loaded
        from rich.console import Console

        with Console(stderr=True).status("准备紧急识别模型 · preparing the emergency detector (the first time "
                                         "about 10 s)…"):
            model.ready()
    results = [{"text": it["text"], **model.classify(it["text"], it.get("channel")).model_dump(mode="json")}
               for it in items]
    if json:
        emit(results if jsonl is not None else results[0], True)
        return
    table = Table(title=f"{len(results)} classification(s) by {model.version}", title_justify="left")
    for col in ("text", "business type", "nature", "level", "emergency", "department", "confidence", "method", "why"):
        table.add_column(col)
    for r in results:
        table.add_row(Text(r["text"][:60]), r["business_type"], r["problem_nature"], r["level"],
                      Text("yes", style="bold red") if r["emergency"] else "no", r["department"],
                      f"{r['confidence']:.2f}", r["method"], Text(", ".join(r["matched"])[:80]))
    console.print(table)
