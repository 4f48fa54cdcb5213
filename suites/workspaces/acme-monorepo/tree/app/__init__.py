from flask import Flask

from .models import db


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///todos.db"
    db.init_app(app)

    from .routes import bp

    app.register_blueprint(bp)
    return app
