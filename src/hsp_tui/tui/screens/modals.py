"""The modal screens, one module each; imported from here by name for callers that want them all.
Each validates what was typed before it dismisses with a value."""

from .dialog import Dialog, heading
from .edit import EditResult, EditScreen
from .export import EXPORT_CHOICES, EXPORT_FORMATS, ExportScreen, default_export_path
from .help import HELP_FOOTNOTE, KEYS_WIDTH, HelpScreen, HelpText, help_text
from .milestone import MilestoneScreen
from .note import NoteScreen

__all__ = ["Dialog", "heading", "EditResult", "EditScreen", "EXPORT_CHOICES", "EXPORT_FORMATS", "ExportScreen",
           "default_export_path", "HELP_FOOTNOTE", "KEYS_WIDTH", "HelpScreen", "HelpText", "help_text",
           "MilestoneScreen", "NoteScreen"]
