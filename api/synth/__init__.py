"""`timeline synth`: a large, realistic, deterministic synthetic corpus, loaded through COPY.

For a benchmark harness: `ensure_corpus(url, SynthSpec(...))` builds the corpus, or reuses it
when the database already holds exactly that one (see `corpus.py`). numpy (the `bench`
extra) is imported only when a corpus is generated.
"""

from api.synth.corpus import corpus_status, ensure_corpus
from api.synth.load import SynthError, synthesize
from api.synth.report import Report
from api.synth.spec import SynthSpec

__all__ = ["Report", "SynthError", "SynthSpec", "corpus_status", "ensure_corpus", "synthesize"]
