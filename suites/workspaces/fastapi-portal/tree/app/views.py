"""The legacy Flask screens of the portal, mounted under /legacy by app.main.

Kept until the SPA covers invoices, documents and the profile page. New work goes into the
FastAPI routers; fix bugs here, don't add features.
"""
import csv
import io
import os
import uuid
from datetime import datetime, timezone
from functools import wraps

from flask import (
    Flask,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from werkzeug.utils import secure_filename

from app.core.config import settings

UPLOAD_DIR = os.environ.get("PORTAL_UPLOAD_DIR", "/srv/portal/uploads")
ALLOWED_EXTENSIONS = {"pdf", "png", "jpg", "jpeg", "csv"}
MAX_UPLOAD_BYTES = 10 * 1024 * 1024

legacy_app = Flask(__name__, template_folder="templates/legacy")
legacy_app.secret_key = settings.SECRET_KEY
legacy_app.config["MAX_CONTENT_LENGTH"] = MAX_UPLOAD_BYTES


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------

def login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if "user_id" not in session:
            return redirect(url_for("login", next=request.path))
        g.user_id = session["user_id"]
        return view(*args, **kwargs)

    return wrapped


def allowed_file(filename: str) -> bool:
    return "." in filename and filename.rsplit(".", 1)[1].lower() in ALLOWED_EXTENSIONS


def user_folder(user_id: int) -> str:
    path = os.path.join(UPLOAD_DIR, str(user_id))
    os.makedirs(path, exist_ok=True)
    return path


def list_documents(user_id: int) -> list[dict]:
    folder = user_folder(user_id)
    docs = []
    for name in sorted(os.listdir(folder)):
        stat = os.stat(os.path.join(folder, name))
        docs.append({
            "name": name,
            "size": stat.st_size,
            "uploaded": datetime.fromtimestamp(stat.st_mtime, tz=timezone.utc),
        })
    return docs


# ---------------------------------------------------------------------------------------------
# pages
# ---------------------------------------------------------------------------------------------

@legacy_app.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        # The SPA's token endpoint does the real check; this form only keeps old bookmarks working.
        user_id = request.form.get("user_id", type=int)
        if user_id:
            session["user_id"] = user_id
            return redirect(request.args.get("next") or url_for("documents"))
        flash("Please log in through the new portal.")
    return render_template("login.html")


@legacy_app.route("/logout")
def logout():
    session.clear()
    return redirect(url_for("login"))


@legacy_app.route("/")
@login_required
def index():
    return redirect(url_for("documents"))


@legacy_app.route("/documents")
@login_required
def documents():
    return render_template("documents.html", documents=list_documents(g.user_id))


@legacy_app.route("/documents/<path:name>")
@login_required
def download(name):
    return send_from_directory(user_folder(g.user_id), name, as_attachment=True)


# ---------------------------------------------------------------------------------------------
# upload
# ---------------------------------------------------------------------------------------------

@legacy_app.route("/documents/upload", methods=["POST"])
@login_required
def upload():
    if "file" not in request.files:
        return jsonify(error="no file part"), 400
    file = request.files["file"]
    if file.filename == "":
        return jsonify(error="no file selected"), 400

    if not allowed_file(file.filename):
        return jsonify(error="file type not allowed"), 415

    # Keep the user's name so the list page shows something recognisable.
    filename = file.filename
    target = os.path.join(user_folder(g.user_id), filename)
    if os.path.exists(target):
        stem, ext = os.path.splitext(filename)
        filename = f"{stem}-{uuid.uuid4().hex[:8]}{ext}"
        target = os.path.join(user_folder(g.user_id), filename)

    file.save(target)

    if filename.lower().endswith(".csv"):
        with open(target, encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        if not rows or rows[0][:2] != ["date", "amount"]:
            os.remove(target)
            return jsonify(error="CSV must start with a date,amount header"), 422

    size = os.path.getsize(target)
    legacy_app.logger.info("user %s uploaded %s (%d bytes)", g.user_id, filename, size)
    return jsonify(name=filename, size=size), 201


@legacy_app.errorhandler(413)
def too_large(_error):
    return jsonify(error=f"file larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB"), 413


# ---------------------------------------------------------------------------------------------
# exports
# ---------------------------------------------------------------------------------------------

@legacy_app.route("/documents/export.csv")
@login_required
def export_csv():
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "size", "uploaded"])
    for doc in list_documents(g.user_id):
        writer.writerow([doc["name"], doc["size"], doc["uploaded"].isoformat()])
    return out.getvalue(), 200, {"Content-Type": "text/csv; charset=utf-8"}


@legacy_app.route("/documents/<path:name>", methods=["DELETE"])
@login_required
def delete(name):
    path = os.path.join(user_folder(g.user_id), secure_filename(name))
    if not os.path.isfile(path):
        abort(404)
    os.remove(path)
    return "", 204
