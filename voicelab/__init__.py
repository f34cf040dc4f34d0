"""voicelab: reusable code and data for the voicelab course in audio machine learning.

Each module is named for what it does and each public function names the chapter that
teaches it: ``audio`` (chapter 01), ``data`` (chapters 01 and 03), ``features`` (chapter 02),
``viz`` (chapters 01 to 04), ``evaluate`` and ``results`` (chapter 03 onwards), ``melspec``
(chapter 05), ``nn`` (chapter 06) and ``augment`` (chapter 07).
"""

__version__ = "0.1.0"
