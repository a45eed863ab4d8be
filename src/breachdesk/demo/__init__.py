"""The bundled demo: a fictional incident (さくら書房オンラインストア) written for breachdesk."""

from importlib import resources
from pathlib import Path

DEMO_SLUG = "sakura-books"
DEMO_NAME = "さくら書房オンラインストア カード情報流出(架空の事例)"
DEMO_ORGANISATION = "株式会社さくら書房(架空)"


def demo_files() -> list[Path]:
    """The demo's source documents (a FAQ and a notice), as files inside the package."""
    folder = resources.files(__name__)
    return [Path(str(folder.joinpath(n))) for n in ("sakura-faq.txt", "sakura-notice.txt")]
