"""Everything after a handout's PDF bytes exist: the print file, the printer, email, batches.

Library functions that the command line and the web page both call. Nothing here lays out a
handout: the PDF comes from :mod:`handouts.handout`.
"""
