"""voicelab: reusable code and data for the voicelab course in audio machine learning.

Each module is named for what it does and each public function names the chapter that
teaches it: ``audio``, ``data`` and ``glue`` (chapter 01), ``features`` (02), ``viz``
(01 to 03), ``evaluate`` and ``results`` (03), ``melspec`` (05), ``nn`` (06), ``augment``
(07), ``sequence`` (08), ``pretrained`` (09), ``denoise`` (10), ``wavenet`` (11),
``speaker_id`` and the ``voicelab`` command in ``cli`` (13).
"""

import os

# TensorFlow's C++ log lines (INFO to ERROR) go to stderr the first time some ops run,
# unpredictably: silence them before any chapter imports TensorFlow.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

__version__ = "0.1.0"
