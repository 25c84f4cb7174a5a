"""The core every other package builds on, depending on nothing else of grader: the typed
student result (`result`), bilingual text (`text`), the error hierarchy (`errors`), the course's
settings (`settings`) and the one atomic file writer (`atomic`)."""
