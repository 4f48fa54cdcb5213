"""The ignore lists Continue's read-only tools use (core/indexing/ignore.ts at d0a3c0b), as data.

- SECURITY_FILES and SECURITY_DIRS: what read_file, read_file_range and read_currently_open_file
  refuse to read (gitignore rules, `is_security_concern`); ls, grep_search, file_glob_search and
  view_diff do not check them.
- default_ignores_glob(): the one `--glob !{…}` argument grep_search and file_glob_search pass to
  ripgrep: security files, indexing files, security dirs, indexing dirs, in that order. (As ripgrep
  reads it, the braces hold a `/`, so the glob is anchored at the root: its file patterns exclude
  only root-level files, and its `dir/` entries match nothing. Kept as Continue sends it.)
"""

from __future__ import annotations

import posixpath
from functools import cache

import pathspec

SECURITY_FILES = (
    "*.env", "*.env.*", ".env*", "config.json", "config.yaml", "config.yml", "settings.json",
    "appsettings.json", "appsettings.*.json", "*.key", "*.pem", "*.p12", "*.pfx", "*.crt", "*.cer", "*.jks",
    "*.keystore", "*.truststore", "*.db", "*.sqlite", "*.sqlite3", "*.mdb", "*.accdb", "*.secret", "*.secrets",
    "auth.json", "*.token", "*.bak", "*.backup", "*.old", "*.orig", "docker-compose.override.yml",
    "docker-compose.override.yaml", "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "*.ppk", "*.gpg",
)
SECURITY_DIRS = (
    ".env/", "env/", ".aws/", ".gcp/", ".azure/", ".kube/", ".docker/", "secrets/", ".secrets/", "private/",
    ".private/", "certs/", "certificates/", "keys/", ".ssh/", ".gnupg/", ".gpg/", "tmp/secrets/",
    "temp/secrets/", ".tmp/",
)
INDEXING_FILES = (
    "*.DS_Store", "*-lock.json", "*.lock", "*.log", "*.ttf", "*.png", "*.jpg", "*.jpeg", "*.gif", "*.mp4",
    "*.svg", "*.ico", "*.pdf", "*.zip", "*.gz", "*.tar", "*.dmg", "*.tgz", "*.rar", "*.7z", "*.exe", "*.dll",
    "*.obj", "*.o", "*.o.d", "*.a", "*.lib", "*.so", "*.dylib", "*.ncb", "*.sdf", "*.woff", "*.woff2", "*.eot",
    "*.cur", "*.avi", "*.mpg", "*.mpeg", "*.mov", "*.mp3", "*.mkv", "*.webm", "*.jar", "*.onnx", "*.parquet",
    "*.pqt", "*.wav", "*.webp", "*.wasm", "*.plist", "*.profraw", "*.gcda", "*.gcno", "go.sum", "*.gitignore",
    "*.gitkeep", "*.continueignore", "*.csv", "*.uasset", "*.pdb", "*.bin", "*.pag", "*.swp", "*.jsonl",
    ".continue/",
)
INDEXING_DIRS = (
    ".git/", ".svn/", "node_modules/", "dist/", "build/", "Build/", "target/", "out/", "bin/",
    ".pytest_cache/", ".vscode-test/", "__pycache__/", "site-packages/", ".gradle/", ".mvn/", ".cache/",
    "gems/", "vendor/", ".venv/", "venv/", ".vscode/", ".idea/", ".vs/",
)
REFUSAL = ("Reading or Editing {path} is not allowed because it is a security concern. Do not attempt to read "
           "or edit this file in any way.")


def default_ignores_glob() -> str:
    return "!{" + ",".join((*SECURITY_FILES, *INDEXING_FILES, *SECURITY_DIRS, *INDEXING_DIRS)) + "}"


@cache
def _security() -> pathspec.PathSpec:
    return pathspec.PathSpec.from_lines("gitignore", (*SECURITY_FILES, *SECURITY_DIRS))


def is_security_concern(path: str) -> bool:
    """Whether Continue refuses to read `path` (as it checks: an absolute path by its last folder and
    name only; a relative one as written, with gitignore rules)."""
    if not path:
        return False
    if path.startswith("/"):
        folder = posixpath.basename(posixpath.dirname(path))
        path = f"{folder}/{posixpath.basename(path)}" if folder else posixpath.basename(path)
    return _security().match_file(path)
