#!/usr/bin/env python
# The scenarios are data: file contents keep their real line lengths and Go code keeps its tabs.
# ruff: noqa: E501, E101
"""Generate the Continue tool-calling fine-tuning dataset (mlx-lm chat-with-tools JSONL).

    python datasets/generate.py                      # writes datasets/continue_finetuning_dataset.jsonl
    python datasets/generate.py --seed 7 --out /tmp/x.jsonl

Every example is built from a hand-written scenario below (a user request, the tool calls a good
assistant makes, realistic tool results, and the final answer); a small share comes from
templates with several phrasings. The tool schemas and the system prompt come from
ctft_eval/catalog.py, never from here. The output depends only on the seed: the same seed gives
byte-identical output.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import textwrap
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from jsonschema import Draft202012Validator  # noqa: E402

from ctft_eval.catalog import DATASET_TOOLS, function_schemas, strict_schema, system_prompt, tool  # noqa: E402

DEFAULT_OUT = ROOT / "datasets" / "continue_finetuning_dataset.jsonl"


def D(text: str) -> str:
    """Dedent a triple-quoted block and drop the surrounding blank lines."""
    return textwrap.dedent(text).strip("\n")


# ---- scenario constructors ----------------------------------------------------------------------
# A step is (tool name, arguments, result) or (tool name, arguments, result, text said before the call).

SCENARIOS: list[dict[str, Any]] = []


def _add(kind: str, user: str, steps: list[tuple], answer: str, lang: str | None, fw: str | None,
         name: str | None = None) -> None:
    SCENARIOS.append({"kind": kind, "user": user, "steps": steps, "answer": answer, "language": lang,
                      "framework": fw, "name": name})


def single(user: str, name: str, args: dict, result: str, answer: str, lang: str | None = None,
           fw: str | None = None) -> None:
    _add("single", user, [(name, args, result)], answer, lang, fw)


def chain(user: str, steps: list[tuple], answer: str, lang: str | None = None, fw: str | None = None,
          name: str | None = None) -> None:
    _add("chain", user, steps, answer, lang, fw, name)


def recover(user: str, steps: list[tuple], answer: str, lang: str | None = None, fw: str | None = None) -> None:
    _add("error_recovery", user, steps, answer, lang, fw)


def direct(user: str, answer: str, lang: str | None = None, fw: str | None = None) -> None:
    _add("no_tool", user, [], answer, lang, fw)


NOT_FOUND = "Error: file not found: {}"


# ==== single calls: read_file ====================================================================

single(
    "Which port does the Vite dev server start on? The config should be in vite.config.ts.",
    "read_file", {"filepath": "vite.config.ts"},
    D("""
        import { defineConfig } from 'vite'
        import react from '@vitejs/plugin-react'
        import path from 'node:path'

        export default defineConfig({
          plugins: [react()],
          resolve: {
            alias: { '@': path.resolve(__dirname, 'src') },
          },
          server: {
            port: 5174,
            strictPort: true,
            proxy: {
              '/api': { target: 'http://localhost:8080', changeOrigin: true },
            },
          },
          build: { sourcemap: true, outDir: 'dist' },
        })
    """),
    "The dev server is pinned to **port 5174** (`server.port`), and because `strictPort: true` is set, Vite "
    "will fail to start instead of silently moving to 5175 if that port is taken. Requests to `/api` are "
    "proxied to `http://localhost:8080`, so the backend is expected to run there.",
    "typescript", "react",
)

single(
    "what message broker is celery pointed at? I think it's configured in config/celery.py",
    "read_file", {"filepath": "config/celery.py"},
    D('''
        import os

        from celery import Celery
        from celery.schedules import crontab

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

        app = Celery("marketplace")
        app.config_from_object("django.conf:settings", namespace="CELERY")
        app.autodiscover_tasks()

        app.conf.beat_schedule = {
            "expire-stale-carts": {
                "task": "carts.tasks.expire_stale_carts",
                "schedule": crontab(minute="*/15"),
            },
        }
    '''),
    "`config/celery.py` doesn't hard-code a broker. It calls `app.config_from_object(\"django.conf:settings\", "
    "namespace=\"CELERY\")`, so Celery takes its broker from the Django setting `CELERY_BROKER_URL` in whichever "
    "settings module is active (it defaults to `config.settings.local`). Check that module for "
    "`CELERY_BROKER_URL` to see the actual Redis/RabbitMQ URL. The file also sets up one beat job, "
    "`carts.tasks.expire_stale_carts`, which runs every 15 minutes.",
    "python", "django",
)

single(
    "Does our Dockerfile end up running the app as root?",
    "read_file", {"filepath": "Dockerfile"},
    D("""
        FROM node:20-bookworm-slim AS deps
        WORKDIR /app
        COPY package.json package-lock.json ./
        RUN npm ci --omit=dev

        FROM node:20-bookworm-slim
        ENV NODE_ENV=production
        WORKDIR /app
        COPY --from=deps /app/node_modules ./node_modules
        COPY . .
        EXPOSE 3000
        CMD ["node", "dist/server.js"]
    """),
    "Yes. Neither stage has a `USER` instruction, so the final image runs `node dist/server.js` as **root** "
    "(the default for `node:20-bookworm-slim`). The official Node images already ship an unprivileged `node` "
    "user, so the simplest fix is to copy the files with `COPY --chown=node:node . .` and add `USER node` "
    "before `CMD`. Port 3000 is above 1024, so nothing else needs root.",
    "javascript", None,
)

single(
    "How many times does the refund job retry before giving up? It's lib/payments/refund_worker.rb",
    "read_file", {"filepath": "lib/payments/refund_worker.rb"},
    D("""
        module Payments
          class RefundWorker
            include Sidekiq::Job

            sidekiq_options queue: :payments, retry: 8, dead: true

            sidekiq_retries_exhausted do |job, error|
              Rails.logger.error("[refund] giving up on #{job['args'].first}: #{error.message}")
              RefundMailer.manual_review(job['args'].first).deliver_later
            end

            def perform(refund_id)
              refund = Refund.find(refund_id)
              return if refund.succeeded?

              Gateway.refund!(refund.charge_id, amount_cents: refund.amount_cents)
              refund.update!(status: :succeeded, processed_at: Time.current)
            end
          end
        end
    """),
    "It retries **8 times** (`sidekiq_options retry: 8`). With Sidekiq's exponential backoff that spreads over "
    "a few hours. After the last failure the job goes to the dead set (`dead: true`), the "
    "`sidekiq_retries_exhausted` hook logs the error and sends `RefundMailer.manual_review` so someone "
    "can handle the refund by hand. Because `perform` returns early when the refund already succeeded, "
    "re-running it is safe.",
    "ruby", "rails",
)

single(
    "Give me a quick summary of internal/cache/lru.go, I'm reviewing a PR that touches it.",
    "read_file", {"filepath": "internal/cache/lru.go"},
    D("""
        package cache

        import (
        	"container/list"
        	"sync"
        )

        type entry struct {
        	key   string
        	value []byte
        }

        // LRU is a fixed-capacity, concurrency-safe least-recently-used cache.
        type LRU struct {
        	mu       sync.Mutex
        	capacity int
        	ll       *list.List
        	items    map[string]*list.Element
        }

        func NewLRU(capacity int) *LRU {
        	return &LRU{capacity: capacity, ll: list.New(), items: make(map[string]*list.Element)}
        }

        func (c *LRU) Get(key string) ([]byte, bool) {
        	c.mu.Lock()
        	defer c.mu.Unlock()
        	if el, ok := c.items[key]; ok {
        		c.ll.MoveToFront(el)
        		return el.Value.(*entry).value, true
        	}
        	return nil, false
        }

        func (c *LRU) Put(key string, value []byte) {
        	c.mu.Lock()
        	defer c.mu.Unlock()
        	if el, ok := c.items[key]; ok {
        		el.Value.(*entry).value = value
        		c.ll.MoveToFront(el)
        		return
        	}
        	c.items[key] = c.ll.PushFront(&entry{key, value})
        	if c.ll.Len() > c.capacity {
        		oldest := c.ll.Back()
        		c.ll.Remove(oldest)
        		delete(c.items, oldest.Value.(*entry).key)
        	}
        }
    """),
    "`internal/cache/lru.go` is a small thread-safe LRU cache:\n\n"
    "- **Data structure**: a `container/list` doubly linked list holds entries in recency order (front = most "
    "recent), and a `map[string]*list.Element` gives O(1) lookup.\n"
    "- **`Get`** moves a hit to the front and returns the value.\n"
    "- **`Put`** updates and promotes an existing key, or pushes a new entry and evicts the back of the list "
    "once `Len()` exceeds `capacity`.\n"
    "- **Locking**: a single `sync.Mutex` guards both operations. `Get` takes the full lock too, because "
    "`MoveToFront` mutates the list, so an `RWMutex` wouldn't help here.\n\n"
    "Things to watch for in the PR: `NewLRU(0)` evicts every item right after inserting it, and the cache "
    "returns the caller's `[]byte` without copying it, so callers can mutate cached data.",
    "go", None,
)

single(
    "In app/Http/Middleware/EnsureTeamMember.php, what happens when the logged-in user isn't on the team?",
    "read_file", {"filepath": "app/Http/Middleware/EnsureTeamMember.php"},
    D("""
        <?php

        namespace App\\Http\\Middleware;

        use Closure;
        use Illuminate\\Http\\Request;
        use Symfony\\Component\\HttpFoundation\\Response;

        class EnsureTeamMember
        {
            public function handle(Request $request, Closure $next): Response
            {
                $team = $request->route('team');

                if (! $request->user()?->teams()->whereKey($team->id)->exists()) {
                    if ($request->expectsJson()) {
                        abort(403, 'You are not a member of this team.');
                    }

                    return redirect()->route('teams.index')
                        ->with('error', 'You do not have access to that team.');
                }

                return $next($request);
            }
        }
    """),
    "It depends on the kind of request:\n\n"
    "- **JSON/API requests** (`expectsJson()`) are stopped with `abort(403, 'You are not a member of this team.')`.\n"
    "- **Browser requests** are redirected to the `teams.index` route with an `error` flash message.\n\n"
    "The membership check is `$request->user()?->teams()->whereKey($team->id)->exists()`. The null-safe "
    "`?->` means a guest also fails it, but `$team` comes from route model binding, so if a route without a "
    "`{team}` parameter uses this middleware, `$team->id` will throw instead of returning 403.",
    "php", "laravel",
)

single(
    "How much heap does Gradle get on this Android project? Look in gradle.properties.",
    "read_file", {"filepath": "gradle.properties"},
    D("""
        org.gradle.jvmargs=-Xmx4g -XX:MaxMetaspaceSize=1g -Dfile.encoding=UTF-8
        org.gradle.parallel=true
        org.gradle.caching=true
        org.gradle.configuration-cache=true
        android.useAndroidX=true
        android.nonTransitiveRClass=true
        kotlin.code.style=official
        kotlin.daemon.jvmargs=-Xmx2g
    """),
    "The Gradle daemon gets **4 GB of heap** (`-Xmx4g`) plus up to 1 GB of metaspace. The Kotlin compile "
    "daemon has its own limit of **2 GB** (`kotlin.daemon.jvmargs=-Xmx2g`). Parallel builds, the build cache "
    "and the configuration cache are all on. If builds run out of memory, raise the Kotlin daemon's limit "
    "first, because that's usually where big modules hit the ceiling.",
    "kotlin", "android",
)

single(
    "Is strict mode actually enabled in our tsconfig.json? Someone claimed it was turned off.",
    "read_file", {"filepath": "tsconfig.json"},
    D("""
        {
          "compilerOptions": {
            "target": "ES2022",
            "module": "NodeNext",
            "moduleResolution": "NodeNext",
            "outDir": "dist",
            "rootDir": "src",
            "strict": true,
            "strictNullChecks": false,
            "noUncheckedIndexedAccess": true,
            "esModuleInterop": true,
            "skipLibCheck": true,
            "declaration": true
          },
          "include": ["src"],
          "exclude": ["node_modules", "dist", "**/*.spec.ts"]
        }
    """),
    "Both of you are partly right. `\"strict\": true` is set, but right below it `\"strictNullChecks\": false` "
    "turns off the most important part of strict mode. `null` and `undefined` can be assigned to anything "
    "and no null errors are reported. The rest of the strict family (`noImplicitAny`, "
    "`strictFunctionTypes`, `strictBindCallApply` and so on) is still on, and `noUncheckedIndexedAccess` is "
    "enabled too. Removing the `strictNullChecks` line would give you full strict mode, but expect a wave "
    "of new errors when you do.",
    "typescript", None,
)

single(
    "What routes does lib/router.dart set up? I'm new to this Flutter app.",
    "read_file", {"filepath": "lib/router.dart"},
    D("""
        import 'package:go_router/go_router.dart';

        import 'features/auth/sign_in_screen.dart';
        import 'features/feed/feed_screen.dart';
        import 'features/feed/post_detail_screen.dart';
        import 'features/settings/settings_screen.dart';
        import 'state/session.dart';

        GoRouter buildRouter(Session session) => GoRouter(
              initialLocation: '/feed',
              refreshListenable: session,
              redirect: (context, state) {
                final signingIn = state.matchedLocation == '/sign-in';
                if (!session.isSignedIn) return signingIn ? null : '/sign-in';
                if (signingIn) return '/feed';
                return null;
              },
              routes: [
                GoRoute(path: '/sign-in', builder: (_, __) => const SignInScreen()),
                GoRoute(
                  path: '/feed',
                  builder: (_, __) => const FeedScreen(),
                  routes: [
                    GoRoute(
                      path: 'post/:id',
                      builder: (_, state) => PostDetailScreen(postId: state.pathParameters['id']!),
                    ),
                  ],
                ),
                GoRoute(path: '/settings', builder: (_, __) => const SettingsScreen()),
              ],
            );
    """),
    "The app uses **go_router** with four screens:\n\n"
    "| Path | Screen |\n|---|---|\n"
    "| `/sign-in` | `SignInScreen` |\n"
    "| `/feed` (initial location) | `FeedScreen` |\n"
    "| `/feed/post/:id` | `PostDetailScreen` (nested under feed, `id` from the path) |\n"
    "| `/settings` | `SettingsScreen` |\n\n"
    "There is a global `redirect`: signed-out users are sent to `/sign-in`, and signed-in users who land "
    "on `/sign-in` go to `/feed`. Since `refreshListenable: session` is set, the redirect runs again "
    "whenever the `Session` notifies, so signing out anywhere sends you straight back to the sign-in screen.",
    "dart", "flutter",
)

single(
    "What log level do we use for com.acme.billing? Config is src/main/resources/logback-spring.xml",
    "read_file", {"filepath": "src/main/resources/logback-spring.xml"},
    D("""
        <configuration>
          <include resource="org/springframework/boot/logging/logback/defaults.xml"/>
          <springProperty scope="context" name="appName" source="spring.application.name"/>

          <appender name="JSON" class="ch.qos.logback.core.ConsoleAppender">
            <encoder class="net.logstash.logback.encoder.LogstashEncoder"/>
          </appender>

          <springProfile name="!prod">
            <logger name="com.acme.billing" level="DEBUG"/>
          </springProfile>
          <springProfile name="prod">
            <logger name="com.acme.billing" level="INFO"/>
            <logger name="org.hibernate.SQL" level="WARN"/>
          </springProfile>

          <root level="INFO">
            <appender-ref ref="JSON"/>
          </root>
        </configuration>
    """),
    "It depends on the Spring profile:\n\n"
    "- **`prod`**: `com.acme.billing` logs at **INFO**, and `org.hibernate.SQL` is turned down to WARN.\n"
    "- **any other profile** (`!prod`): `com.acme.billing` logs at **DEBUG**.\n\n"
    "Everything goes to the console as JSON through the `LogstashEncoder`, and the root level is INFO. "
    "To change the level temporarily without editing this file, you can set "
    "`logging.level.com.acme.billing=DEBUG` as a property, or use the `/actuator/loggers` endpoint if "
    "actuator is exposed.",
    "java", "spring_boot",
)

single(
    "which dependencies does our Phoenix app pull in? just read mix.exs",
    "read_file", {"filepath": "mix.exs"},
    D("""
        defmodule Ledger.MixProject do
          use Mix.Project

          def project do
            [
              app: :ledger,
              version: "0.9.2",
              elixir: "~> 1.15",
              start_permanent: Mix.env() == :prod,
              aliases: aliases(),
              deps: deps()
            ]
          end

          def application do
            [mod: {Ledger.Application, []}, extra_applications: [:logger, :runtime_tools]]
          end

          defp deps do
            [
              {:phoenix, "~> 1.7.12"},
              {:phoenix_ecto, "~> 4.5"},
              {:ecto_sql, "~> 3.11"},
              {:postgrex, ">= 0.0.0"},
              {:phoenix_live_view, "~> 0.20.14"},
              {:oban, "~> 2.17"},
              {:jason, "~> 1.4"},
              {:bandit, "~> 1.4"},
              {:credo, "~> 1.7", only: [:dev, :test], runtime: false},
              {:ex_machina, "~> 2.7", only: :test}
            ]
          end

          defp aliases do
            [setup: ["deps.get", "ecto.setup"], test: ["ecto.create --quiet", "ecto.migrate --quiet", "test"]]
          end
        end
    """),
    "`mix.exs` (app `:ledger`, v0.9.2, Elixir ~> 1.15) declares these deps:\n\n"
    "**Runtime**\n- `phoenix ~> 1.7.12`, `phoenix_live_view ~> 0.20.14`\n"
    "- `phoenix_ecto ~> 4.5`, `ecto_sql ~> 3.11`, `postgrex` (Postgres)\n"
    "- `oban ~> 2.17` for background jobs\n- `jason ~> 1.4` for JSON\n"
    "- `bandit ~> 1.4` as the HTTP server (instead of Cowboy)\n\n"
    "**Dev/test only**\n- `credo ~> 1.7` (lint, not started at runtime)\n- `ex_machina ~> 2.7` (test factories)\n\n"
    "Also note the `test` alias: it creates and migrates the database quietly before running tests.",
    "elixir", "phoenix",
)

single(
    "Our SPA can't call the API from localhost:5173. Is CORS configured in Program.cs at all?",
    "read_file", {"filepath": "src/Api/Program.cs"},
    D("""
        var builder = WebApplication.CreateBuilder(args);

        builder.Services.AddControllers();
        builder.Services.AddEndpointsApiExplorer();
        builder.Services.AddSwaggerGen();
        builder.Services.AddCors(options =>
        {
            options.AddPolicy("frontend", policy => policy
                .WithOrigins(builder.Configuration.GetSection("Cors:Origins").Get<string[]>() ?? [])
                .AllowAnyHeader()
                .AllowAnyMethod());
        });
        builder.Services.AddAuthentication().AddJwtBearer();
        builder.Services.AddAuthorization();

        var app = builder.Build();

        if (app.Environment.IsDevelopment())
        {
            app.UseSwagger();
            app.UseSwaggerUI();
        }

        app.UseHttpsRedirection();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapControllers();

        app.Run();
    """),
    "CORS is *registered* but never *used*. `AddCors` defines a policy called `\"frontend\"` whose origins come "
    "from the `Cors:Origins` config section, but the pipeline never calls `app.UseCors(\"frontend\")`, so "
    "no CORS headers are ever sent.\n\nTwo things to fix:\n\n"
    "1. Add `app.UseCors(\"frontend\");` after `UseHttpsRedirection()` and **before** `UseAuthentication()`, "
    "so preflight `OPTIONS` requests get answered before auth runs.\n"
    "2. Make sure `appsettings.Development.json` has the origin, for example "
    "`\"Cors\": { \"Origins\": [\"http://localhost:5173\"] }`. If the section is missing, the policy falls "
    "back to an empty array and allows no origins at all.",
    "csharp", "aspnet_core",
)

single(
    "When does the release workflow trigger? .github/workflows/release.yml",
    "read_file", {"filepath": ".github/workflows/release.yml"},
    D("""
        name: release
        on:
          push:
            tags: ["v*.*.*"]
          workflow_dispatch:
            inputs:
              dry_run:
                type: boolean
                default: true

        permissions:
          contents: write
          packages: write

        jobs:
          publish:
            runs-on: ubuntu-24.04
            steps:
              - uses: actions/checkout@v4
              - uses: actions/setup-python@v5
                with: { python-version: "3.12" }
              - run: pip install build twine
              - run: python -m build
              - if: ${{ !inputs.dry_run }}
                run: twine upload dist/*
                env:
                  TWINE_PASSWORD: ${{ secrets.PYPI_TOKEN }}
    """),
    "It has two triggers:\n\n"
    "1. **Pushing a tag** that matches `v*.*.*` (e.g. `v2.4.0`).\n"
    "2. **Manual runs** (`workflow_dispatch`) with a `dry_run` boolean input that defaults to `true`.\n\n"
    "One catch: the upload step is guarded by `if: ${{ !inputs.dry_run }}`. On a tag push there are no "
    "inputs, so `inputs.dry_run` is empty and `!inputs.dry_run` is true, which means tag pushes *do* "
    "upload to PyPI. A manual run only uploads if you untick `dry_run`. If that's what you intend it's "
    "fine, but it's easy to misread.",
    "python", None,
)

single(
    "Can you read src/Parser.hs and tell me which expression forms parseExpr supports?",
    "read_file", {"filepath": "src/Parser.hs"},
    D("""
        module Parser (parseExpr) where

        import Text.Megaparsec
        import Text.Megaparsec.Char
        import qualified Text.Megaparsec.Char.Lexer as L
        import Control.Monad.Combinators.Expr
        import Data.Void (Void)
        import Syntax

        type Parser = Parsec Void String

        sc :: Parser ()
        sc = L.space space1 (L.skipLineComment "--") empty

        lexeme :: Parser a -> Parser a
        lexeme = L.lexeme sc

        symbol :: String -> Parser String
        symbol = L.symbol sc

        term :: Parser Expr
        term = choice
          [ Num <$> lexeme L.decimal
          , Var <$> lexeme ((:) <$> letterChar <*> many alphaNumChar)
          , between (symbol "(") (symbol ")") expr
          ]

        expr :: Parser Expr
        expr = makeExprParser term
          [ [Prefix (Neg <$ symbol "-")]
          , [InfixL (Mul <$ symbol "*"), InfixL (Div <$ symbol "/")]
          , [InfixL (Add <$ symbol "+"), InfixL (Sub <$ symbol "-")]
          ]

        parseExpr :: String -> Either (ParseErrorBundle String Void) Expr
        parseExpr = parse (sc *> expr <* eof) "<input>"
    """),
    "`parseExpr` is a Megaparsec parser built with `makeExprParser`. It supports:\n\n"
    "- **Atoms**: non-negative integer literals (`Num`), identifiers that start with a letter (`Var`), "
    "and parenthesised sub-expressions.\n"
    "- **Unary minus** (`Neg`), which binds tightest.\n"
    "- **`*` and `/`** (`Mul`, `Div`), left-associative.\n"
    "- **`+` and `-`** (`Add`, `Sub`), left-associative, lowest precedence.\n\n"
    "Whitespace and `--` line comments are skipped, and the trailing `eof` means the whole input must be "
    "consumed. There are no floats, function application or comparison operators; `L.decimal` only accepts "
    "whole numbers, so `1.5` fails at the `.`.",
    "haskell", None,
)

single(
    "What's the minimum iOS version in Package.swift?",
    "read_file", {"filepath": "Package.swift"},
    D("""
        // swift-tools-version: 5.9
        import PackageDescription

        let package = Package(
            name: "TripKit",
            platforms: [
                .iOS(.v16),
                .macOS(.v13),
                .watchOS(.v9)
            ],
            products: [
                .library(name: "TripKit", targets: ["TripKit"])
            ],
            dependencies: [
                .package(url: "https://github.com/apple/swift-collections", from: "1.1.0")
            ],
            targets: [
                .target(name: "TripKit", dependencies: [.product(name: "OrderedCollections", package: "swift-collections")]),
                .testTarget(name: "TripKitTests", dependencies: ["TripKit"])
            ]
        )
    """),
    "The package targets **iOS 16** and up (`.iOS(.v16)`). It also declares macOS 13 and watchOS 9 as "
    "minimums, and it needs swift-tools-version 5.9 (Xcode 15 or newer) to build.",
    "swift", None,
)

single(
    "What constraints are on the users table? db/schema.sql has the DDL.",
    "read_file", {"filepath": "db/schema.sql"},
    D("""
        CREATE EXTENSION IF NOT EXISTS citext;

        CREATE TABLE users (
            id            BIGSERIAL PRIMARY KEY,
            email         CITEXT      NOT NULL UNIQUE,
            display_name  TEXT        NOT NULL CHECK (char_length(display_name) BETWEEN 1 AND 80),
            role          TEXT        NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'admin', 'owner')),
            org_id        BIGINT      NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
            created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
            deleted_at    TIMESTAMPTZ
        );

        CREATE INDEX users_org_id_idx ON users (org_id) WHERE deleted_at IS NULL;

        CREATE TABLE organizations (
            id    BIGSERIAL PRIMARY KEY,
            name  TEXT NOT NULL
        );
    """),
    "The `users` table has:\n\n"
    "- **Primary key** on `id` (`BIGSERIAL`).\n"
    "- **`email`**: `NOT NULL UNIQUE`, typed `CITEXT`, so uniqueness is case-insensitive "
    "(`Ann@x.com` and `ann@x.com` collide).\n"
    "- **`display_name`**: `NOT NULL`, with a `CHECK` for length between 1 and 80.\n"
    "- **`role`**: `NOT NULL DEFAULT 'member'`, and a `CHECK` restricting it to `member`, `admin`, `owner`.\n"
    "- **`org_id`**: `NOT NULL`, foreign key to `organizations(id)` with `ON DELETE CASCADE`, so deleting "
    "an organization deletes its users.\n"
    "- **`created_at`**: `NOT NULL DEFAULT now()`; `deleted_at` is nullable (soft delete).\n\n"
    "There's also a partial index on `org_id` that only covers rows that aren't soft-deleted. One problem: "
    "`users` references `organizations` before that table is created further down, so running this file "
    "top to bottom on an empty database fails. Move `CREATE TABLE organizations` above `users`.",
    "sql", None,
)

single(
    "Which providers are registered in src/app/app.config.ts?",
    "read_file", {"filepath": "src/app/app.config.ts"},
    D("""
        import { ApplicationConfig, provideZoneChangeDetection } from '@angular/core';
        import { provideRouter, withComponentInputBinding } from '@angular/router';
        import { provideHttpClient, withInterceptors, withFetch } from '@angular/common/http';
        import { provideAnimationsAsync } from '@angular/platform-browser/animations/async';

        import { routes } from './app.routes';
        import { authInterceptor } from './core/auth.interceptor';
        import { errorInterceptor } from './core/error.interceptor';

        export const appConfig: ApplicationConfig = {
          providers: [
            provideZoneChangeDetection({ eventCoalescing: true }),
            provideRouter(routes, withComponentInputBinding()),
            provideHttpClient(withFetch(), withInterceptors([authInterceptor, errorInterceptor])),
            provideAnimationsAsync(),
          ],
        };
    """),
    "It's a standalone Angular app configuration with four providers:\n\n"
    "1. `provideZoneChangeDetection({ eventCoalescing: true })`: zone.js change detection, with several "
    "events in one tick merged into a single run.\n"
    "2. `provideRouter(routes, withComponentInputBinding())`: the routes from `app.routes.ts`; route "
    "params, query params and data are bound straight to component `@Input()`s.\n"
    "3. `provideHttpClient(withFetch(), withInterceptors([...]))`: `HttpClient` on the Fetch API, with "
    "two functional interceptors, `authInterceptor` and then `errorInterceptor`.\n"
    "4. `provideAnimationsAsync()`: lazy-loaded animations.\n\n"
    "Interceptor order matters: on the way out `authInterceptor` runs first, and responses pass back "
    "through them in reverse order, so `errorInterceptor` sees a response before `authInterceptor` does.",
    "typescript", "angular",
)

single(
    "Where does nvm get added to my PATH? Check ~/.zshrc",
    "read_file", {"filepath": "~/.zshrc"},
    D("""
        export ZSH="$HOME/.oh-my-zsh"
        ZSH_THEME="robbyrussell"
        plugins=(git docker kubectl)
        source $ZSH/oh-my-zsh.sh

        export PATH="$HOME/.local/bin:$PATH"
        export EDITOR=nvim

        # pyenv
        export PYENV_ROOT="$HOME/.pyenv"
        eval "$(pyenv init -)"

        # nvm
        export NVM_DIR="$HOME/.nvm"
        [ -s "$NVM_DIR/nvm.sh" ] && . "$NVM_DIR/nvm.sh"
        [ -s "$NVM_DIR/bash_completion" ] && . "$NVM_DIR/bash_completion"

        alias k=kubectl
    """),
    "nvm never edits `PATH` directly in your `.zshrc`. The `# nvm` block sets `NVM_DIR=\"$HOME/.nvm\"` and "
    "then sources `$NVM_DIR/nvm.sh` (if it exists). Sourcing `nvm.sh` is what puts the current default "
    "Node's `bin` directory on `PATH` when the shell starts.\n\n"
    "It's the last block that touches `PATH`, so nvm's Node wins over any `node` in `~/.local/bin` or "
    "the system. If startup feels slow, that `nvm.sh` line is the usual cause; lazy-loading nvm or "
    "switching to a faster manager like fnm fixes it.",
    "bash", None,
)

single(
    "Which C++ standard are we compiling with? It'll be in CMakeLists.txt",
    "read_file", {"filepath": "CMakeLists.txt"},
    D("""
        cmake_minimum_required(VERSION 3.24)
        project(tilemap VERSION 0.3.0 LANGUAGES CXX)

        set(CMAKE_CXX_STANDARD 20)
        set(CMAKE_CXX_STANDARD_REQUIRED ON)
        set(CMAKE_CXX_EXTENSIONS OFF)
        set(CMAKE_EXPORT_COMPILE_COMMANDS ON)

        find_package(fmt 10 REQUIRED)

        add_library(tilemap
            src/atlas.cpp
            src/chunk.cpp
            src/tilemap.cpp)
        target_include_directories(tilemap PUBLIC include)
        target_link_libraries(tilemap PUBLIC fmt::fmt)

        if(BUILD_TESTING)
            add_subdirectory(tests)
        endif()
    """),
    "**C++20**. `CMAKE_CXX_STANDARD 20` is set together with `CMAKE_CXX_STANDARD_REQUIRED ON` (CMake "
    "errors out instead of falling back to an older standard) and `CMAKE_CXX_EXTENSIONS OFF`, so you get "
    "`-std=c++20`, not `-std=gnu++20`. `compile_commands.json` is exported as well, which clangd uses.",
    "cpp", None,
)

single(
    "What Scala version does build.sbt pin, and is this a Play app?",
    "read_file", {"filepath": "build.sbt"},
    D("""
        ThisBuild / organization := "com.fleetly"
        ThisBuild / scalaVersion := "2.13.14"

        lazy val root = (project in file("."))
          .enablePlugins(PlayScala)
          .settings(
            name := "fleet-dashboard",
            libraryDependencies ++= Seq(
              guice,
              ws,
              "org.playframework" %% "play-slick" % "6.1.0",
              "org.postgresql" % "postgresql" % "42.7.3",
              "org.scalatestplus.play" %% "scalatestplus-play" % "7.0.1" % Test
            ),
            scalacOptions ++= Seq("-deprecation", "-feature", "-Xfatal-warnings")
          )
    """),
    "Scala is pinned to **2.13.14** (`ThisBuild / scalaVersion`). And yes, it's a **Play** app: the root "
    "project calls `.enablePlugins(PlayScala)` and depends on `guice`, `ws`, `play-slick` 6.1.0 (Slick on "
    "Postgres) and `scalatestplus-play` for tests. The `org.playframework` group ID means Play 3.x. Also "
    "note `-Xfatal-warnings`: any deprecation warning will fail the build.",
    "scala", "play",
)


# ==== single calls: read_file_range ==============================================================

single(
    "app/services/reconcile.py is about 1800 lines. Just read 880–930, that's where reconcile_batch starts.",
    "read_file_range", {"filepath": "app/services/reconcile.py", "startLine": 880, "endLine": 930},
    D('''
        880 def reconcile_batch(batch_id: int, *, dry_run: bool = False) -> ReconcileReport:
        881     """Match bank lines of one import batch against open invoices."""
        882     batch = ImportBatch.objects.select_related("account").get(pk=batch_id)
        883     report = ReconcileReport(batch_id=batch_id)
        884     open_invoices = {
        885         inv.reference: inv
        886         for inv in Invoice.objects.filter(account=batch.account, status=Invoice.Status.OPEN)
        887     }
        888
        889     for line in batch.lines.order_by("booked_at"):
        890         ref = extract_reference(line.description)
        891         invoice = open_invoices.get(ref)
        892         if invoice is None:
        893             report.unmatched.append(line.pk)
        894             continue
        895         if abs(invoice.amount_due - line.amount) > Decimal("0.01"):
        896             report.partial.append((line.pk, invoice.pk))
        897             continue
        898         if not dry_run:
        899             with transaction.atomic():
        900                 invoice.mark_paid(paid_at=line.booked_at, source=line)
        901                 line.matched_invoice = invoice
        902                 line.save(update_fields=["matched_invoice"])
        903         report.matched.append((line.pk, invoice.pk))
        904         del open_invoices[ref]
        905
        906     report.finished_at = timezone.now()
        907     return report
        908
        909
        910 def extract_reference(description: str) -> str | None:
        911     match = REFERENCE_RE.search(description.upper())
        912     return match.group(1) if match else None
    '''),
    "Lines 880–912 cover all of `reconcile_batch` and its helper:\n\n"
    "1. It loads the batch and builds a dict of the account's **open** invoices, keyed by `reference`.\n"
    "2. For each bank line (oldest first) it pulls a reference out of the description with "
    "`extract_reference`, which upper-cases it and applies `REFERENCE_RE`.\n"
    "3. Lines with no matching invoice go to `report.unmatched`. If the amounts differ by more than one "
    "cent, the pair goes to `report.partial` and the invoice stays open.\n"
    "4. For an exact match it marks the invoice paid and links the line inside `transaction.atomic()` "
    "(skipped when `dry_run`), then removes the reference from the dict so one invoice can't be matched twice.\n\n"
    "Two things worth knowing: the transaction is per line, so a crash halfway leaves the batch partly "
    "reconciled. And a `dry_run` report also deletes matched references from the dict, so its counts match "
    "a real run, which is good.",
    "python", "django",
)

single(
    "The stack trace says OrderMapper.java:142 blew up. Show me roughly lines 130 to 155 of src/main/java/com/shopline/orders/OrderMapper.java",
    "read_file_range", {"filepath": "src/main/java/com/shopline/orders/OrderMapper.java", "startLine": 130, "endLine": 155},
    D("""
        130     public OrderDto toDto(Order order) {
        131         OrderDto dto = new OrderDto();
        132         dto.setId(order.getId());
        133         dto.setStatus(order.getStatus().name());
        134         dto.setPlacedAt(order.getPlacedAt());
        135         dto.setLines(order.getLines().stream()
        136                 .map(this::toLineDto)
        137                 .toList());
        138         Money total = order.getLines().stream()
        139                 .map(OrderLine::getSubtotal)
        140                 .reduce(Money.ZERO, Money::add);
        141         dto.setTotal(total.toString());
        142         dto.setShippingCity(order.getShippingAddress().getCity());
        143         dto.setCustomerEmail(order.getCustomer().getEmail());
        144         return dto;
        145     }
        146
        147     private OrderLineDto toLineDto(OrderLine line) {
        148         return new OrderLineDto(line.getSku(), line.getQuantity(), line.getSubtotal().toString());
        149     }
    """),
    "Line 142 is `dto.setShippingCity(order.getShippingAddress().getCity());`. If the exception is a "
    "`NullPointerException`, `getShippingAddress()` returned `null`, which happens for orders without a "
    "shipping address (digital goods, pickup orders, or orders still being drafted).\n\n"
    "A null-safe version:\n\n```java\n"
    "dto.setShippingCity(Optional.ofNullable(order.getShippingAddress())\n"
    "        .map(Address::getCity)\n        .orElse(null));\n```\n\n"
    "Line 143 has the same risk with `getCustomer()` if guest checkout exists, so guard it the same way.",
    "java", "spring_boot",
)

single(
    "read internal/scheduler/cron.go from line 55 to 90",
    "read_file_range", {"filepath": "internal/scheduler/cron.go", "startLine": 55, "endLine": 90},
    D("""
        55 func (s *Scheduler) Start(ctx context.Context) {
        56 	ticker := time.NewTicker(s.interval)
        57 	go func() {
        58 		defer ticker.Stop()
        59 		for {
        60 			select {
        61 			case <-ctx.Done():
        62 				s.log.Info("scheduler stopped")
        63 				return
        64 			case now := <-ticker.C:
        65 				for _, job := range s.due(now) {
        66 					go s.run(ctx, job)
        67 				}
        68 			}
        69 		}
        70 	}()
        71 }
        72
        73 func (s *Scheduler) run(ctx context.Context, job *Job) {
        74 	if !job.running.CompareAndSwap(false, true) {
        75 		s.log.Warn("job still running, skipping tick", "job", job.Name)
        76 		return
        77 	}
        78 	defer job.running.Store(false)
        79
        80 	ctx, cancel := context.WithTimeout(ctx, job.Timeout)
        81 	defer cancel()
        82 	if err := job.Fn(ctx); err != nil {
        83 		s.log.Error("job failed", "job", job.Name, "err", err)
        84 		s.metrics.failures.WithLabelValues(job.Name).Inc()
        85 		return
        86 	}
        87 	job.lastRun = time.Now()
        88 }
    """),
    "Here's what lines 55–88 do:\n\n"
    "- **`Start`** starts one goroutine with a ticker. On every tick it asks `s.due(now)` for jobs and "
    "launches each in its own goroutine. Cancelling `ctx` stops the loop and the ticker.\n"
    "- **`run`** uses an atomic `CompareAndSwap` on `job.running`, so a slow job is skipped instead of "
    "overlapping with itself. Each run gets a timeout from `job.Timeout`, and failures are logged and "
    "counted in a Prometheus counter.\n\n"
    "One thing stands out: `job.lastRun = time.Now()` on line 87 is a plain write, done from whichever "
    "goroutine ran the job. If `s.due()` reads `lastRun` from the ticker goroutine, that's a data race "
    "(`go test -race` would flag it). Storing it in an `atomic.Int64` or setting it under the scheduler's "
    "mutex would fix it.",
    "go", None,
)

single(
    "Let me see src/codec/frame.rs lines 200-240, I think the length check is off by one.",
    "read_file_range", {"filepath": "src/codec/frame.rs", "startLine": 200, "endLine": 240},
    D("""
        200 impl Decoder for FrameCodec {
        201     type Item = Frame;
        202     type Error = CodecError;
        203
        204     fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, CodecError> {
        205         if src.len() < HEADER_LEN {
        206             return Ok(None);
        207         }
        208         let len = u32::from_be_bytes(src[1..5].try_into().unwrap()) as usize;
        209         if len > self.max_frame_len {
        210             return Err(CodecError::FrameTooLarge(len));
        211         }
        212         if src.len() < HEADER_LEN + len - 1 {
        213             src.reserve(HEADER_LEN + len - src.len());
        214             return Ok(None);
        215         }
        216         let kind = FrameKind::try_from(src[0])?;
        217         src.advance(HEADER_LEN);
        218         let payload = src.split_to(len).freeze();
        219         Ok(Some(Frame { kind, payload }))
        220     }
        221 }
    """),
    "You're right, line 212 is off by one:\n\n```rust\nif src.len() < HEADER_LEN + len - 1 {\n```\n\n"
    "A complete frame needs `HEADER_LEN + len` bytes. With the `- 1`, a buffer that is exactly one byte "
    "short passes the check, and then `src.split_to(len)` on line 218 panics because only `len - 1` "
    "payload bytes are left after `advance(HEADER_LEN)`. The fix is to compare against the full frame "
    "size:\n\n"
    "```rust\nif src.len() < HEADER_LEN + len {\n    src.reserve(HEADER_LEN + len - src.len());\n    return Ok(None);\n}\n```\n\n"
    "The `reserve` on line 213 already uses the right amount, which is a good hint that the comparison "
    "was the typo. A test that feeds the decoder a frame one byte at a time would catch this.",
    "rust", "tokio",
)

single(
    "Pull up lines 88 through 120 of Sources/Networking/APIClient.swift please",
    "read_file_range", {"filepath": "Sources/Networking/APIClient.swift", "startLine": 88, "endLine": 120},
    D("""
         88     func send<T: Decodable>(_ request: Endpoint<T>) async throws -> T {
         89         var urlRequest = try request.makeURLRequest(baseURL: baseURL)
         90         if let token = await tokenStore.accessToken {
         91             urlRequest.setValue("Bearer \\(token)", forHTTPHeaderField: "Authorization")
         92         }
         93
         94         let (data, response) = try await session.data(for: urlRequest)
         95         guard let http = response as? HTTPURLResponse else {
         96             throw APIError.invalidResponse
         97         }
         98
         99         switch http.statusCode {
        100         case 200..<300:
        101             return try decoder.decode(T.self, from: data)
        102         case 401:
        103             try await tokenStore.refresh()
        104             return try await send(request)
        105         case 429:
        106             let retryAfter = http.value(forHTTPHeaderField: "Retry-After").flatMap(Double.init) ?? 1
        107             try await Task.sleep(for: .seconds(retryAfter))
        108             return try await send(request)
        109         default:
        110             throw APIError.http(status: http.statusCode, body: data)
        111         }
        112     }
    """),
    "Lines 88–112 are the generic `send` method:\n\n"
    "- It builds the `URLRequest`, attaches a bearer token if `tokenStore` has one, and calls "
    "`session.data(for:)`.\n"
    "- **2xx**: decodes `T` from the body.\n"
    "- **401**: refreshes the token and calls `send` again.\n"
    "- **429**: sleeps for `Retry-After` seconds (default 1) and calls `send` again.\n"
    "- Anything else throws `APIError.http` with the status and body.\n\n"
    "Both retries are unbounded recursion. If the refresh \"succeeds\" but the server keeps returning "
    "401 (a revoked account, say), or the API keeps answering 429, the call loops forever. Adding an "
    "`attempt` parameter (e.g. `send(request, attempt: attempt + 1)`) and failing after two or three tries "
    "would make it safe.",
    "swift", None,
)

single(
    "QueueConsumer.cs lines 40 to 75 — I want to see how it acks messages. Path is src/Worker/QueueConsumer.cs",
    "read_file_range", {"filepath": "src/Worker/QueueConsumer.cs", "startLine": 40, "endLine": 75},
    D("""
        40     protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        41     {
        42         var consumer = new AsyncEventingBasicConsumer(_channel);
        43         consumer.ReceivedAsync += async (_, ea) =>
        44         {
        45             using var scope = _scopeFactory.CreateScope();
        46             var handler = scope.ServiceProvider.GetRequiredService<IShipmentEventHandler>();
        47             try
        48             {
        49                 var evt = JsonSerializer.Deserialize<ShipmentEvent>(ea.Body.Span, _json)!;
        50                 await handler.HandleAsync(evt, stoppingToken);
        51                 await _channel.BasicAckAsync(ea.DeliveryTag, multiple: false);
        52             }
        53             catch (JsonException ex)
        54             {
        55                 _logger.LogError(ex, "Malformed message {Tag}, dropping", ea.DeliveryTag);
        56                 await _channel.BasicNackAsync(ea.DeliveryTag, multiple: false, requeue: false);
        57             }
        58             catch (Exception ex)
        59             {
        60                 _logger.LogWarning(ex, "Handler failed for {Tag}, requeueing", ea.DeliveryTag);
        61                 await _channel.BasicNackAsync(ea.DeliveryTag, multiple: false, requeue: true);
        62             }
        63         };
        64
        65         await _channel.BasicQosAsync(prefetchSize: 0, prefetchCount: 20, global: false);
        66         await _channel.BasicConsumeAsync("shipments", autoAck: false, consumer);
        67         await Task.Delay(Timeout.Infinite, stoppingToken);
        68     }
    """),
    "Acking is manual (`autoAck: false` on line 66), with up to 20 unacked messages in flight "
    "(`prefetchCount: 20`). For each delivery:\n\n"
    "- **Success**: `BasicAckAsync` after `HandleAsync` completes (line 51).\n"
    "- **Bad JSON** (`JsonException`): `BasicNackAsync(..., requeue: false)`, so the message is dropped, "
    "or dead-lettered if the queue has a DLX.\n"
    "- **Any other exception**: `BasicNackAsync(..., requeue: true)`, which puts it straight back on the queue.\n\n"
    "The last case is risky. A message that always fails (a poison message) is redelivered right away, "
    "forever, in a tight loop. Consider counting attempts with a header and nacking with "
    "`requeue: false` after N tries, or routing failures to a retry queue with a TTL. Also, when "
    "`stoppingToken` is cancelled mid-handle, the `OperationCanceledException` lands in the generic catch "
    "and is requeued, which is fine but logs a misleading warning.",
    "csharp", "aspnet_core",
)

single(
    "lib/tasks/cleanup.rake, lines 10-35. What does the purge task delete?",
    "read_file_range", {"filepath": "lib/tasks/cleanup.rake", "startLine": 10, "endLine": 35},
    D("""
        10 namespace :cleanup do
        11   desc "Delete guest carts and expired sessions older than RETENTION_DAYS (default 30)"
        12   task purge: :environment do
        13     days = Integer(ENV.fetch("RETENTION_DAYS", "30"))
        14     cutoff = days.days.ago
        15
        16     carts = Cart.where(user_id: nil).where("updated_at < ?", cutoff)
        17     puts "Deleting #{carts.count} guest carts"
        18     carts.in_batches(of: 1_000).delete_all
        19
        20     sessions = ActiveRecord::SessionStore::Session.where("updated_at < ?", cutoff)
        21     puts "Deleting #{sessions.count} sessions"
        22     sessions.in_batches(of: 5_000).delete_all
        23
        24     ActiveStorage::Blob.unattached.where("active_storage_blobs.created_at < ?", 2.days.ago)
        25                        .find_each(&:purge_later)
        26   end
        27 end
    """),
    "`rake cleanup:purge` deletes three things:\n\n"
    "1. **Guest carts** (`user_id: nil`) not updated in the last `RETENTION_DAYS` days (default 30), in "
    "batches of 1,000.\n"
    "2. **Stored sessions** (`ActiveRecord::SessionStore::Session`) older than the same cutoff, in batches "
    "of 5,000.\n"
    "3. **Unattached Active Storage blobs** older than 2 days, queued with `purge_later` so the files are "
    "removed from storage by a background job.\n\n"
    "`delete_all` skips callbacks and `dependent:` associations, so if `Cart` has `has_many :cart_items, "
    "dependent: :destroy`, the items are left behind unless there's an `ON DELETE CASCADE` foreign key. "
    "Worth checking the schema.",
    "ruby", "rails",
)

single(
    "Can you show me lib/shop/inventory.ex around lines 120 to 150? I need the reserve function.",
    "read_file_range", {"filepath": "lib/shop/inventory.ex", "startLine": 120, "endLine": 150},
    D("""
        120   @doc "Reserves `qty` units of `sku` for an order, failing if stock is insufficient."
        121   def reserve(sku, qty, order_id) when is_integer(qty) and qty > 0 do
        122     Multi.new()
        123     |> Multi.run(:item, fn repo, _ ->
        124       case repo.one(from i in Item, where: i.sku == ^sku, lock: "FOR UPDATE") do
        125         nil -> {:error, :unknown_sku}
        126         %Item{available: a} when a < qty -> {:error, :insufficient_stock}
        127         item -> {:ok, item}
        128       end
        129     end)
        130     |> Multi.update(:decrement, fn %{item: item} ->
        131       Item.changeset(item, %{available: item.available - qty})
        132     end)
        133     |> Multi.insert(:reservation, fn %{item: item} ->
        134       %Reservation{item_id: item.id, order_id: order_id, qty: qty}
        135     end)
        136     |> Repo.transaction()
        137     |> case do
        138       {:ok, %{reservation: r}} -> {:ok, r}
        139       {:error, _step, reason, _changes} -> {:error, reason}
        140     end
        141   end
    """),
    "`reserve/3` (lines 121–141) runs in a single `Ecto.Multi` transaction:\n\n"
    "1. `:item` loads the item by SKU **with `FOR UPDATE`**, so concurrent reservations for the same SKU "
    "wait instead of both reading the same stock. It fails with `:unknown_sku` or `:insufficient_stock`.\n"
    "2. `:decrement` lowers `available` by `qty` through `Item.changeset`.\n"
    "3. `:reservation` inserts a `Reservation` row linking the item and the order.\n\n"
    "It returns `{:ok, reservation}` or `{:error, reason}`, where the reason is the atom from step 1 or a "
    "changeset from the later steps. The guard only accepts positive integer quantities, so `reserve(sku, 0, id)` "
    "raises a `FunctionClauseError` rather than returning an error tuple.",
    "elixir", "phoenix",
)

single(
    "CheckoutScreen.kt is massive. Read lines 300–340 of feature/checkout/src/main/java/com/tindr/checkout/CheckoutScreen.kt",
    "read_file_range", {"filepath": "feature/checkout/src/main/java/com/tindr/checkout/CheckoutScreen.kt", "startLine": 300, "endLine": 340},
    D("""
        300 @Composable
        301 private fun PayButton(
        302     state: CheckoutUiState,
        303     onPay: () -> Unit,
        304     modifier: Modifier = Modifier,
        305 ) {
        306     var clicked by remember { mutableStateOf(false) }
        307     Button(
        308         onClick = {
        309             clicked = true
        310             onPay()
        311         },
        312         enabled = state.canPay && !clicked,
        313         modifier = modifier.fillMaxWidth().height(52.dp),
        314     ) {
        315         if (state.isProcessing) {
        316             CircularProgressIndicator(strokeWidth = 2.dp, modifier = Modifier.size(20.dp))
        317         } else {
        318             Text(stringResource(R.string.checkout_pay, state.totalFormatted))
        319         }
        320     }
        321 }
    """),
    "Lines 300–321 define `PayButton`. It keeps a local `clicked` flag in `remember` to block double taps: "
    "after the first click the button stays disabled (`enabled = state.canPay && !clicked`) and shows a "
    "spinner while `state.isProcessing`.\n\n"
    "The catch is that `clicked` never resets. If payment fails and `canPay` becomes true again, the "
    "button stays disabled until the composable leaves the composition, so the user can't retry. Plain "
    "`remember` also loses the flag on rotation. It's cleaner to drop the local flag and use "
    "`enabled = state.canPay && !state.isProcessing`, letting the ViewModel own the in-flight state.",
    "kotlin", "jetpack_compose",
)

single(
    "Show me app/Services/InvoiceService.php from line 60 to 95",
    "read_file_range", {"filepath": "app/Services/InvoiceService.php", "startLine": 60, "endLine": 95},
    D("""
        60     public function finalize(Invoice $invoice): Invoice
        61     {
        62         if ($invoice->status !== InvoiceStatus::Draft) {
        63             throw new InvalidInvoiceState("Only drafts can be finalized, got {$invoice->status->value}");
        64         }
        65
        66         return DB::transaction(function () use ($invoice) {
        67             $invoice->number = $this->numbers->next($invoice->team_id);
        68             $invoice->subtotal = $invoice->lines->sum(fn ($l) => $l->quantity * $l->unit_price);
        69             $invoice->tax = round($invoice->subtotal * $this->taxRate($invoice), 2);
        70             $invoice->total = $invoice->subtotal + $invoice->tax;
        71             $invoice->status = InvoiceStatus::Open;
        72             $invoice->finalized_at = now();
        73             $invoice->save();
        74
        75             InvoiceFinalized::dispatch($invoice);
        76
        77             return $invoice;
        78         });
        79     }
    """),
    "Lines 60–79 are `finalize()`:\n\n"
    "- Only `Draft` invoices can be finalized; anything else throws `InvalidInvoiceState`.\n"
    "- Inside `DB::transaction` it assigns the next invoice number for the team, sums `quantity * unit_price` "
    "into `subtotal`, computes `tax` rounded to 2 decimals, sets `total`, flips the status to `Open`, "
    "stamps `finalized_at` and saves.\n"
    "- It dispatches `InvoiceFinalized` **inside** the transaction.\n\n"
    "Two things to look at. First, if `unit_price` is a float, money is being computed in floating point; "
    "integer cents or a decimal cast would be safer. Second, if any `InvoiceFinalized` listener is queued, it "
    "can run before the transaction commits and read stale data. Using `ShouldDispatchAfterCommit` on the "
    "event, or `DB::afterCommit`, avoids that.",
    "php", "laravel",
)

single(
    "give me lines 45 to 80 of src/store/cartSlice.ts",
    "read_file_range", {"filepath": "src/store/cartSlice.ts", "startLine": 45, "endLine": 80},
    D("""
        45 const cartSlice = createSlice({
        46   name: 'cart',
        47   initialState,
        48   reducers: {
        49     itemAdded(state, action: PayloadAction<{ sku: string; price: number }>) {
        50       const existing = state.items.find((i) => i.sku === action.payload.sku)
        51       if (existing) {
        52         existing.qty += 1
        53       } else {
        54         state.items.push({ ...action.payload, qty: 1 })
        55       }
        56     },
        57     itemRemoved(state, action: PayloadAction<string>) {
        58       state.items = state.items.filter((i) => i.sku !== action.payload)
        59     },
        60     quantityChanged(state, action: PayloadAction<{ sku: string; qty: number }>) {
        61       const item = state.items.find((i) => i.sku === action.payload.sku)
        62       if (item) item.qty = Math.max(0, action.payload.qty)
        63     },
        64     cleared() {
        65       return initialState
        66     },
        67   },
        68   extraReducers: (builder) => {
        69     builder.addCase(checkoutSucceeded, () => initialState)
        70   },
        71 })
        72
        73 export const { itemAdded, itemRemoved, quantityChanged, cleared } = cartSlice.actions
        74 export const selectCartTotal = (s: RootState) =>
        75   s.cart.items.reduce((sum, i) => sum + i.price * i.qty, 0)
    """),
    "Lines 45–75 define the Redux Toolkit `cart` slice:\n\n"
    "- `itemAdded`: bumps `qty` for an existing SKU, otherwise pushes it with `qty: 1`.\n"
    "- `itemRemoved`: filters the SKU out.\n"
    "- `quantityChanged`: sets `qty`, clamped to at least 0.\n"
    "- `cleared`, and `checkoutSucceeded` from another slice: both reset to `initialState`.\n"
    "- `selectCartTotal` sums `price * qty`.\n\n"
    "One subtle issue: `quantityChanged` with `qty: 0` leaves a zero-quantity item in the cart instead of "
    "removing it, so a \"0 × item\" row can still show up. Filtering it out when the new quantity is 0 "
    "would fix that. Also, `selectCartTotal` returns a new number on every call, which is cheap here, but "
    "if you add derived arrays later, wrap them in `createSelector`.",
    "typescript", "redux",
)


# ==== single calls: create_new_file ==============================================================

single(
    "pin the node version for nvm users — 20 is what we run in prod",
    "create_new_file", {"filepath": ".nvmrc", "contents": "20\n"},
    "Created .nvmrc",
    "Added `.nvmrc` containing `20`. Running `nvm use` (or `nvm install`) in the repo now picks Node 20, "
    "and fnm and Volta-style tools read the same file. To lock a specific minor version later, replace it "
    "with something like `20.15.1`.",
    "javascript", None,
)

single(
    "Set up a ruff.toml for us: line length 110, target py311, and enable isort + pyupgrade + bugbear on top of the defaults.",
    "create_new_file", {"filepath": "ruff.toml", "contents": D("""
        line-length = 110
        target-version = "py311"

        [lint]
        # defaults (pycodestyle errors + pyflakes) plus isort, pyupgrade and flake8-bugbear
        extend-select = ["I", "UP", "B"]

        [lint.isort]
        combine-as-imports = true

        [format]
        quote-style = "double"
    """) + "\n"},
    "Created ruff.toml",
    "Created `ruff.toml` with:\n\n- `line-length = 110` and `target-version = \"py311\"`\n"
    "- `extend-select = [\"I\", \"UP\", \"B\"]`, which keeps Ruff's default rules (E4/E7/E9 and F) and adds "
    "isort, pyupgrade and bugbear\n- `combine-as-imports` for isort and double quotes for the formatter\n\n"
    "Run `ruff check --fix .` once to apply the import sorting and pyupgrade rewrites in bulk, then "
    "`ruff format .`.",
    "python", None,
)

single(
    "I need a slugify helper in src/utils/slugify.ts — lowercase, strip accents, hyphens between words, no leading/trailing hyphens.",
    "create_new_file", {"filepath": "src/utils/slugify.ts", "contents": D("""
        /**
         * Turns arbitrary text into a URL-safe slug: "Crème Brûlée, 2 ways!" -> "creme-brulee-2-ways".
         */
        export function slugify(input: string, maxLength = 80): string {
          const slug = input
            .normalize('NFKD')
            .replace(/[\\u0300-\\u036f]/g, '') // drop combining accents
            .toLowerCase()
            .replace(/[^a-z0-9]+/g, '-') // anything else becomes a separator
            .replace(/^-+|-+$/g, '') // trim separators at both ends
          return slug.slice(0, maxLength).replace(/-+$/, '')
        }
    """) + "\n"},
    "Created src/utils/slugify.ts",
    "Created `src/utils/slugify.ts` exporting `slugify(input, maxLength = 80)`:\n\n"
    "1. `normalize('NFKD')` splits accented letters into a base letter plus a combining mark, and the "
    "marks are then removed (`é` becomes `e`).\n2. It lower-cases the text and turns every run of "
    "non-alphanumeric characters into a single `-`.\n"
    "3. It trims hyphens from both ends, and trims again after truncating to `maxLength`, so a cut never "
    "leaves a trailing hyphen.\n\n"
    "Note that non-Latin scripts (Cyrillic, CJK) are removed entirely. If you need those, a "
    "transliteration library such as `@sindresorhus/transliterate` is the next step.",
    "typescript", None,
)

single(
    "Create internal/version/version.go with Version, Commit and BuildDate vars we can set through -ldflags, plus a String() helper.",
    "create_new_file", {"filepath": "internal/version/version.go", "contents": D("""
        // Package version exposes build metadata injected at link time:
        //
        //	go build -ldflags "-X example.com/app/internal/version.Version=v1.4.0 \\
        //	  -X example.com/app/internal/version.Commit=$(git rev-parse --short HEAD) \\
        //	  -X example.com/app/internal/version.BuildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
        package version

        import "fmt"

        var (
        	Version   = "dev"
        	Commit    = "none"
        	BuildDate = "unknown"
        )

        // String returns a one-line description such as "v1.4.0 (abc1234, 2024-05-01T10:00:00Z)".
        func String() string {
        	return fmt.Sprintf("%s (%s, %s)", Version, Commit, BuildDate)
        }
    """) + "\n"},
    "Created internal/version/version.go",
    "Created `internal/version/version.go`. `Version`, `Commit` and `BuildDate` are package-level `string` "
    "vars with defaults (`dev`, `none`, `unknown`). They have to be vars, not consts, because `-X` can only "
    "overwrite string variables. The package comment shows the `-ldflags` line. Replace "
    "`example.com/app` with your module path from `go.mod`, since `-X` needs the full import path. "
    "`version.String()` gives you something like `v1.4.0 (abc1234, 2024-05-01T10:00:00Z)` for a "
    "`--version` flag.",
    "go", None,
)

single(
    "Add a criterion benchmark for the tokenizer at benches/tokenize.rs. Our crate is `lexi` and the function is lexi::tokenize(&str) -> Vec<Token>.",
    "create_new_file", {"filepath": "benches/tokenize.rs", "contents": D("""
        use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

        fn sample(lines: usize) -> String {
            "let total = price * qty + shipping; // compute\\n".repeat(lines)
        }

        fn bench_tokenize(c: &mut Criterion) {
            let mut group = c.benchmark_group("tokenize");
            for lines in [10, 1_000, 50_000] {
                let input = sample(lines);
                group.throughput(Throughput::Bytes(input.len() as u64));
                group.bench_with_input(BenchmarkId::from_parameter(lines), &input, |b, src| {
                    b.iter(|| lexi::tokenize(black_box(src)))
                });
            }
            group.finish();
        }

        criterion_group!(benches, bench_tokenize);
        criterion_main!(benches);
    """) + "\n"},
    "Created benches/tokenize.rs",
    "Created `benches/tokenize.rs`. It benchmarks `lexi::tokenize` on inputs of 10, 1,000 and 50,000 lines, "
    "reports throughput in bytes/s, and wraps the input in `black_box` so the optimizer can't skip the "
    "work.\n\nCriterion needs two additions to `Cargo.toml` before `cargo bench` will pick it up:\n\n"
    "```toml\n[dev-dependencies]\ncriterion = \"0.5\"\n\n[[bench]]\nname = \"tokenize\"\nharness = false\n```\n\n"
    "`harness = false` is required, because otherwise the built-in libtest harness takes over and "
    "Criterion's `main` never runs.",
    "rust", None,
)

single(
    "We need a global exception handler for the Spring Boot API that returns RFC 7807 problem details. Put it in src/main/java/com/acme/api/web/GlobalExceptionHandler.java",
    "create_new_file", {"filepath": "src/main/java/com/acme/api/web/GlobalExceptionHandler.java", "contents": D("""
        package com.acme.api.web;

        import jakarta.persistence.EntityNotFoundException;
        import org.slf4j.Logger;
        import org.slf4j.LoggerFactory;
        import org.springframework.http.HttpStatus;
        import org.springframework.http.ProblemDetail;
        import org.springframework.web.bind.MethodArgumentNotValidException;
        import org.springframework.web.bind.annotation.ExceptionHandler;
        import org.springframework.web.bind.annotation.RestControllerAdvice;

        import java.util.Map;
        import java.util.stream.Collectors;

        @RestControllerAdvice
        public class GlobalExceptionHandler {

            private static final Logger log = LoggerFactory.getLogger(GlobalExceptionHandler.class);

            @ExceptionHandler(EntityNotFoundException.class)
            ProblemDetail notFound(EntityNotFoundException ex) {
                ProblemDetail pd = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, ex.getMessage());
                pd.setTitle("Resource not found");
                return pd;
            }

            @ExceptionHandler(MethodArgumentNotValidException.class)
            ProblemDetail invalid(MethodArgumentNotValidException ex) {
                ProblemDetail pd = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, "Validation failed");
                Map<String, String> errors = ex.getBindingResult().getFieldErrors().stream()
                        .collect(Collectors.toMap(fe -> fe.getField(),
                                fe -> String.valueOf(fe.getDefaultMessage()), (a, b) -> a));
                pd.setProperty("errors", errors);
                return pd;
            }

            @ExceptionHandler(Exception.class)
            ProblemDetail unexpected(Exception ex) {
                log.error("Unhandled exception", ex);
                return ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR, "Unexpected error");
            }
        }
    """) + "\n"},
    "Created src/main/java/com/acme/api/web/GlobalExceptionHandler.java",
    "Created `GlobalExceptionHandler` as a `@RestControllerAdvice` that returns Spring 6's `ProblemDetail` "
    "(served as `application/problem+json`):\n\n"
    "- `EntityNotFoundException` → **404** with the exception message as `detail`.\n"
    "- `MethodArgumentNotValidException` (failed `@Valid` bodies) → **400** with an `errors` map of "
    "field → message. Duplicate fields keep the first message.\n"
    "- Anything else → **500** with a generic detail. The real exception is only logged, so stack traces "
    "don't leak to clients.\n\n"
    "If you also want Spring's own MVC exceptions (e.g. 405, 415) rendered as problem details, set "
    "`spring.mvc.problemdetails.enabled=true`.",
    "java", "spring_boot",
)

single(
    "make a Money value class in core/src/main/kotlin/com/ledgerly/core/Money.kt — amount in minor units (Long) plus an ISO currency code, with plus/minus that refuse mixed currencies",
    "create_new_file", {"filepath": "core/src/main/kotlin/com/ledgerly/core/Money.kt", "contents": D("""
        package com.ledgerly.core

        import java.math.BigDecimal
        import java.util.Currency

        /** An amount of money in the currency's minor unit (cents for EUR/USD). */
        data class Money(val minor: Long, val currency: Currency) : Comparable<Money> {

            operator fun plus(other: Money): Money = Money(Math.addExact(minor, sameCurrency(other).minor), currency)

            operator fun minus(other: Money): Money = Money(Math.subtractExact(minor, sameCurrency(other).minor), currency)

            operator fun times(factor: Int): Money = Money(Math.multiplyExact(minor, factor.toLong()), currency)

            override fun compareTo(other: Money): Int = minor.compareTo(sameCurrency(other).minor)

            fun toDecimal(): BigDecimal = BigDecimal.valueOf(minor, currency.defaultFractionDigits)

            private fun sameCurrency(other: Money): Money {
                require(other.currency == currency) { "Currency mismatch: $currency vs ${other.currency}" }
                return other
            }

            companion object {
                fun of(minor: Long, code: String) = Money(minor, Currency.getInstance(code))
                fun zero(code: String) = of(0, code)
            }
        }
    """) + "\n"},
    "Created core/src/main/kotlin/com/ledgerly/core/Money.kt",
    "Created `Money` as a data class holding `minor: Long` and a `java.util.Currency`:\n\n"
    "- `+`, `-`, `compareTo` go through `sameCurrency`, which throws `IllegalArgumentException` on a "
    "currency mismatch.\n- `* Int` for quantities.\n"
    "- The arithmetic uses `Math.addExact` and friends, so overflow throws instead of silently wrapping.\n"
    "- `toDecimal()` uses the currency's own fraction digits (2 for EUR, 0 for JPY).\n"
    "- `Money.of(1999, \"EUR\")` and `Money.zero(\"USD\")` as factories.\n\n"
    "I made it a `data class` rather than a `@JvmInline value class` because inline classes can only wrap "
    "one property.",
    "kotlin", None,
)

single(
    "Write an xUnit test class tests/Orders.Tests/DiscountCalculatorTests.cs for DiscountCalculator.Apply(decimal subtotal, string? code). Codes: SAVE10 = 10% off, FLAT5 = 5 off but never below zero, unknown/null = no discount.",
    "create_new_file", {"filepath": "tests/Orders.Tests/DiscountCalculatorTests.cs", "contents": D("""
        using System.Globalization;
        using Orders.Pricing;
        using Xunit;

        namespace Orders.Tests;

        public class DiscountCalculatorTests
        {
            private readonly DiscountCalculator _sut = new();

            // decimal can't appear in attributes, so the amounts come in as invariant-culture strings
            [Theory]
            [InlineData("100.00", "90.00")]
            [InlineData("19.99", "17.991")]
            public void Save10_takes_ten_percent_off(string subtotal, string expected) =>
                Assert.Equal(decimal.Parse(expected, CultureInfo.InvariantCulture),
                             _sut.Apply(decimal.Parse(subtotal, CultureInfo.InvariantCulture), "SAVE10"));

            [Fact]
            public void Flat5_subtracts_five() =>
                Assert.Equal(15m, _sut.Apply(20m, "FLAT5"));

            [Fact]
            public void Flat5_never_goes_below_zero() =>
                Assert.Equal(0m, _sut.Apply(3m, "FLAT5"));

            [Theory]
            [InlineData(null)]
            [InlineData("")]
            [InlineData("BOGUS")]
            public void Unknown_or_missing_code_gives_no_discount(string? code) =>
                Assert.Equal(42m, _sut.Apply(42m, code));
        }
    """) + "\n"},
    "Created tests/Orders.Tests/DiscountCalculatorTests.cs",
    "Created `DiscountCalculatorTests` with:\n\n- a `[Theory]` for **SAVE10** (100 → 90, 19.99 → 17.991)\n"
    "- **FLAT5** subtracting 5, and a separate test that 3 stays at 0, not −2\n"
    "- a `[Theory]` for `null`, empty and unknown codes returning the subtotal unchanged\n\n"
    "Attributes can't hold `decimal` constants, so the SAVE10 amounts are passed as strings and parsed with "
    "the invariant culture, which keeps them exact. The 17.991 case assumes `Apply` doesn't round. If it rounds to cents, change that expectation to 17.99. Run them with "
    "`dotnet test tests/Orders.Tests`.",
    "csharp", "xunit",
)

single(
    "create app/jobs/purge_abandoned_uploads_job.rb — an ActiveJob that deletes DirectUpload records older than 24h that never got attached",
    "create_new_file", {"filepath": "app/jobs/purge_abandoned_uploads_job.rb", "contents": D("""
        # Removes direct uploads that were started but never attached to a record.
        class PurgeAbandonedUploadsJob < ApplicationJob
          queue_as :maintenance

          def perform(older_than: 24.hours)
            scope = DirectUpload.where(attached_at: nil).where(created_at: ...older_than.ago)
            count = 0
            scope.find_each do |upload|
              upload.blob&.purge_later
              upload.destroy!
              count += 1
            end
            Rails.logger.info("[PurgeAbandonedUploadsJob] purged #{count} uploads")
          end
        end
    """) + "\n"},
    "Created app/jobs/purge_abandoned_uploads_job.rb",
    "Created `PurgeAbandonedUploadsJob` on the `:maintenance` queue. It looks up `DirectUpload` rows with "
    "`attached_at: nil` created more than 24 hours ago (the beginless range `...older_than.ago` becomes "
    "`created_at < ?`), queues purging of each blob's file, destroys the record and logs a count. "
    "`older_than:` is a keyword argument, so you can run `PurgeAbandonedUploadsJob.perform_now(older_than: 1.hour)` "
    "in a console.\n\nTo run it regularly, add it to your scheduler, for example in `config/recurring.yml` "
    "for Solid Queue or `sidekiq-cron`.",
    "ruby", "rails",
)

single(
    "Generate a Laravel form request at app/Http/Requests/StoreProjectRequest.php. name required max 120, slug unique in projects table, optional description, due_date must be after today.",
    "create_new_file", {"filepath": "app/Http/Requests/StoreProjectRequest.php", "contents": D("""
        <?php

        namespace App\\Http\\Requests;

        use Illuminate\\Foundation\\Http\\FormRequest;
        use Illuminate\\Validation\\Rule;

        class StoreProjectRequest extends FormRequest
        {
            public function authorize(): bool
            {
                return $this->user()?->can('create', \\App\\Models\\Project::class) ?? false;
            }

            public function rules(): array
            {
                return [
                    'name' => ['required', 'string', 'max:120'],
                    'slug' => ['required', 'alpha_dash', 'max:60', Rule::unique('projects', 'slug')],
                    'description' => ['nullable', 'string', 'max:2000'],
                    'due_date' => ['nullable', 'date', 'after:today'],
                ];
            }
        }
    """) + "\n"},
    "Created app/Http/Requests/StoreProjectRequest.php",
    "Created `StoreProjectRequest`:\n\n"
    "- `name`: required string, max 120\n- `slug`: required, `alpha_dash`, max 60, unique in `projects.slug`\n"
    "- `description`: optional string (max 2000)\n- `due_date`: optional date, `after:today`\n\n"
    "I made `due_date` nullable since you only said it has to be after today when given. Drop `nullable` "
    "if it's mandatory. `authorize()` defers to the `ProjectPolicy@create` ability. If there's no policy yet, "
    "return `true` for now. Type-hint it in the controller: `public function store(StoreProjectRequest $request)`.",
    "php", "laravel",
)

single(
    "Add a reusable SwiftUI EmptyStateView at Sources/App/Components/EmptyStateView.swift with an SF Symbol, title, message and an optional action button.",
    "create_new_file", {"filepath": "Sources/App/Components/EmptyStateView.swift", "contents": D("""
        import SwiftUI

        struct EmptyStateView: View {
            let systemImage: String
            let title: String
            let message: String
            var actionTitle: String? = nil
            var action: (() -> Void)? = nil

            var body: some View {
                VStack(spacing: 12) {
                    Image(systemName: systemImage)
                        .font(.system(size: 44, weight: .regular))
                        .foregroundStyle(.secondary)
                    Text(title)
                        .font(.title3.weight(.semibold))
                    Text(message)
                        .font(.body)
                        .foregroundStyle(.secondary)
                        .multilineTextAlignment(.center)
                    if let actionTitle, let action {
                        Button(actionTitle, action: action)
                            .buttonStyle(.borderedProminent)
                            .padding(.top, 4)
                    }
                }
                .padding(32)
                .frame(maxWidth: .infinity, maxHeight: .infinity)
                .accessibilityElement(children: .combine)
            }
        }

        #Preview {
            EmptyStateView(systemImage: "tray", title: "No trips yet",
                           message: "Trips you plan will show up here.",
                           actionTitle: "Plan a trip") {}
        }
    """) + "\n"},
    "Created Sources/App/Components/EmptyStateView.swift",
    "Created `EmptyStateView`. It takes an SF Symbol name, a title and a message, plus an optional "
    "`actionTitle`/`action` pair. The button only appears when both are given. It centres itself in the "
    "available space and merges its children into one accessibility element, so VoiceOver reads it as a "
    "single block. A `#Preview` is included (Xcode 15+). Usage:\n\n"
    "```swift\nEmptyStateView(systemImage: \"magnifyingglass\", title: \"No results\",\n"
    "               message: \"Try a different search term.\")\n```",
    "swift", "swiftui",
)

single(
    "Create a plug at lib/storefront_web/plugs/put_request_id_header.ex that copies Logger's request_id into an x-request-id response header.",
    "create_new_file", {"filepath": "lib/storefront_web/plugs/put_request_id_header.ex", "contents": D("""
        defmodule StorefrontWeb.Plugs.PutRequestIdHeader do
          @moduledoc "Echoes the request id assigned by Plug.RequestId back to the client."
          @behaviour Plug

          import Plug.Conn

          @impl true
          def init(opts), do: Keyword.get(opts, :header, "x-request-id")

          @impl true
          def call(conn, header) do
            register_before_send(conn, fn conn ->
              case Logger.metadata()[:request_id] do
                nil -> conn
                id -> put_resp_header(conn, header, id)
              end
            end)
          end
        end
    """) + "\n"},
    "Created lib/storefront_web/plugs/put_request_id_header.ex",
    "Created `StorefrontWeb.Plugs.PutRequestIdHeader`. It registers a `before_send` callback that reads "
    "`:request_id` from the Logger metadata and sets it as a response header (`x-request-id` by default, "
    "or pass `header: \"...\"`).\n\nPlace it after `Plug.RequestId` in your endpoint, because that plug "
    "sets the metadata:\n\n"
    "```elixir\nplug Plug.RequestId\nplug StorefrontWeb.Plugs.PutRequestIdHeader\n```\n\n"
    "Strictly speaking, `Plug.RequestId` already sets `x-request-id` on the response itself, so you only "
    "need this plug if you want the id under a different header name.",
    "elixir", "phoenix",
)

single(
    "I want a seed file db/seeds/002_currencies.sql inserting EUR, USD, GBP, JPY and CHF with their minor units, idempotent so reruns don't fail",
    "create_new_file", {"filepath": "db/seeds/002_currencies.sql", "contents": D("""
        -- Reference data: ISO 4217 currencies used by the app. Safe to run repeatedly.
        INSERT INTO currencies (code, name, minor_units) VALUES
            ('EUR', 'Euro',             2),
            ('USD', 'US Dollar',        2),
            ('GBP', 'Pound Sterling',   2),
            ('JPY', 'Yen',              0),
            ('CHF', 'Swiss Franc',      2)
        ON CONFLICT (code) DO UPDATE
            SET name = EXCLUDED.name,
                minor_units = EXCLUDED.minor_units;
    """) + "\n"},
    "Created db/seeds/002_currencies.sql",
    "Created `db/seeds/002_currencies.sql`. It inserts the five currencies with their ISO 4217 minor "
    "units (JPY has 0) and uses `ON CONFLICT (code) DO UPDATE`, so reruns update names and minor units "
    "instead of failing on duplicates. This needs a unique constraint or primary key on "
    "`currencies.code`, and the syntax is PostgreSQL (SQLite 3.24+ also supports it). On MySQL use "
    "`ON DUPLICATE KEY UPDATE` instead.",
    "sql", None,
)

single(
    "Write scripts/wait-for-port.sh: takes host, port and an optional timeout (default 30s), loops until the TCP port accepts connections, exits 1 on timeout. Plain bash, no netcat dependency.",
    "create_new_file", {"filepath": "scripts/wait-for-port.sh", "contents": D("""
        #!/usr/bin/env bash
        # Usage: scripts/wait-for-port.sh HOST PORT [TIMEOUT_SECONDS]
        set -euo pipefail

        host=${1:?usage: $0 HOST PORT [TIMEOUT]}
        port=${2:?usage: $0 HOST PORT [TIMEOUT]}
        timeout=${3:-30}

        deadline=$(( SECONDS + timeout ))
        until (exec 3<>"/dev/tcp/${host}/${port}") 2>/dev/null; do
          if (( SECONDS >= deadline )); then
            echo "timed out after ${timeout}s waiting for ${host}:${port}" >&2
            exit 1
          fi
          sleep 1
        done
        echo "${host}:${port} is up"
    """) + "\n"},
    "Created scripts/wait-for-port.sh",
    "Created `scripts/wait-for-port.sh`. It uses bash's built-in `/dev/tcp/HOST/PORT` redirection to try "
    "a connection, so it needs neither `nc` nor `curl`. The attempt runs in a subshell, so the file "
    "descriptor closes right away. It retries every second until the `SECONDS`-based deadline, then prints "
    "to stderr and exits 1. Missing arguments print a usage message thanks to `${1:?...}`.\n\n"
    "Make it executable with `chmod +x scripts/wait-for-port.sh`. Example: "
    "`scripts/wait-for-port.sh localhost 5432 60 && npm run migrate`. It must run under bash, not `sh`, "
    "because `/dev/tcp` is a bash feature.",
    "bash", None,
)

single(
    "Add a RetryButton widget at lib/widgets/retry_button.dart: shows an error message and a 'Try again' FilledButton that calls onRetry.",
    "create_new_file", {"filepath": "lib/widgets/retry_button.dart", "contents": D("""
        import 'package:flutter/material.dart';

        /// Error message with a "Try again" button, for failed loads.
        class RetryButton extends StatelessWidget {
          const RetryButton({super.key, required this.message, required this.onRetry});

          final String message;
          final VoidCallback onRetry;

          @override
          Widget build(BuildContext context) {
            final theme = Theme.of(context);
            return Center(
              child: Padding(
                padding: const EdgeInsets.all(24),
                child: Column(
                  mainAxisSize: MainAxisSize.min,
                  children: [
                    Icon(Icons.error_outline, size: 40, color: theme.colorScheme.error),
                    const SizedBox(height: 12),
                    Text(message, textAlign: TextAlign.center, style: theme.textTheme.bodyMedium),
                    const SizedBox(height: 16),
                    FilledButton.icon(
                      onPressed: onRetry,
                      icon: const Icon(Icons.refresh),
                      label: const Text('Try again'),
                    ),
                  ],
                ),
              ),
            );
          }
        }
    """) + "\n"},
    "Created lib/widgets/retry_button.dart",
    "Created `RetryButton`, a stateless widget with required `message` and `onRetry`. It shows a centred "
    "error icon in the theme's error colour, the message, and a `FilledButton.icon` labelled "
    "\"Try again\". It fits naturally in the error branch of a `FutureBuilder` or an `AsyncValue.when`:\n\n"
    "```dart\nerror: (e, _) => RetryButton(message: 'Could not load orders', onRetry: () => ref.invalidate(ordersProvider)),\n```",
    "dart", "flutter",
)

single(
    "We keep starting postgres and redis by hand. Write a docker-compose.yml for local dev with postgres 16 (db/user/password all 'app') and redis 7, both with healthchecks and a named volume for postgres.",
    "create_new_file", {"filepath": "docker-compose.yml", "contents": D("""
        services:
          postgres:
            image: postgres:16-alpine
            environment:
              POSTGRES_DB: app
              POSTGRES_USER: app
              POSTGRES_PASSWORD: app
            ports:
              - "5432:5432"
            volumes:
              - pgdata:/var/lib/postgresql/data
            healthcheck:
              test: ["CMD-SHELL", "pg_isready -U app -d app"]
              interval: 5s
              timeout: 3s
              retries: 10

          redis:
            image: redis:7-alpine
            ports:
              - "6379:6379"
            healthcheck:
              test: ["CMD", "redis-cli", "ping"]
              interval: 5s
              timeout: 3s
              retries: 10

        volumes:
          pgdata:
    """) + "\n"},
    "Created docker-compose.yml",
    "Created `docker-compose.yml` with two services:\n\n"
    "- **postgres** (`postgres:16-alpine`): database, user and password all `app`, port 5432, data in the "
    "named volume `pgdata`, healthcheck using `pg_isready`.\n"
    "- **redis** (`redis:7-alpine`): port 6379, healthcheck using `redis-cli ping`.\n\n"
    "Start them with `docker compose up -d` and check `docker compose ps` until both show `healthy`. The "
    "connection string is `postgres://app:app@localhost:5432/app`. `docker compose down` keeps the data; "
    "`docker compose down -v` wipes the volume.",
    None, None,
)

single(
    "Add a Makefile with install, lint, test and run targets for this uv-managed FastAPI project",
    "create_new_file", {"filepath": "Makefile", "contents": D("""
        .PHONY: install lint format test run

        install:
        \tuv sync --all-extras

        lint:
        \tuv run ruff check .
        \tuv run mypy app

        format:
        \tuv run ruff format .

        test:
        \tuv run pytest -q

        run:
        \tuv run uvicorn app.main:app --reload --port 8000
    """) + "\n"},
    "Created Makefile",
    "Created a `Makefile` with these targets:\n\n"
    "| target | runs |\n|---|---|\n| `make install` | `uv sync --all-extras` |\n"
    "| `make lint` | `ruff check .` and `mypy app` |\n| `make format` | `ruff format .` |\n"
    "| `make test` | `pytest -q` |\n| `make run` | `uvicorn app.main:app --reload --port 8000` |\n\n"
    "Everything goes through `uv run`, so nobody has to activate the virtualenv, and all targets are "
    "`.PHONY`. Recipe lines are indented with real tabs, as make requires. If your app object isn't "
    "`app.main:app`, change the `run` target.",
    "python", "fastapi",
)

single(
    "Set up hspec: create test/Spec.hs using hspec-discover so every *Spec.hs module under test/ gets picked up automatically.",
    "create_new_file", {"filepath": "test/Spec.hs", "contents": "{-# OPTIONS_GHC -F -pgmF hspec-discover #-}\n"},
    "Created test/Spec.hs",
    "Created `test/Spec.hs`. It contains a single pragma, `{-# OPTIONS_GHC -F -pgmF hspec-discover #-}`, "
    "which runs `hspec-discover` as a preprocessor. It generates a `main` that runs the `spec` of every "
    "module under `test/` whose name ends in `Spec` (e.g. `test/ParserSpec.hs` exporting `spec :: Spec`).\n\n"
    "In the `.cabal` test-suite stanza you still need `main-is: Spec.hs`, `hspec` in `build-depends`, "
    "and `build-tool-depends: hspec-discover:hspec-discover`. Otherwise GHC can't find the preprocessor.",
    "haskell", "hspec",
)

single(
    "create a .prettierrc: no semicolons, single quotes, trailing commas everywhere, print width 100",
    "create_new_file", {"filepath": ".prettierrc", "contents": D("""
        {
          "semi": false,
          "singleQuote": true,
          "trailingComma": "all",
          "printWidth": 100
        }
    """) + "\n"},
    "Created .prettierrc",
    "Created `.prettierrc` with `semi: false`, `singleQuote: true`, `trailingComma: \"all\"` and "
    "`printWidth: 100`. Run `npx prettier --write .` once to reformat the codebase in a single commit. If "
    "you use ESLint, add `eslint-config-prettier` so the two don't disagree on formatting rules.",
    "javascript", None,
)


# ==== single calls: read_currently_open_file =====================================================

single(
    "Can you walk me through the regex in the file I have open? I inherited it and have no idea what it accepts.",
    "read_currently_open_file", {},
    D(r"""
        File: src/lib/validators.ts

        // Accepts EU VAT numbers like DE123456789, FR12345678901, NL123456789B01
        export const VAT_RE = /^(?:(DE)\d{9}|(FR)[0-9A-HJ-NP-Z]{2}\d{9}|(NL)\d{9}B\d{2})$/i

        export function isValidVat(raw: string): boolean {
          return VAT_RE.test(raw.replace(/[\s.-]/g, ''))
        }
    """),
    "The file is `src/lib/validators.ts`. `VAT_RE` accepts one of three VAT number shapes, matched against "
    "the **whole** string (`^...$`), case-insensitively (`/i`):\n\n"
    "1. **Germany**: `DE` followed by exactly 9 digits, e.g. `DE123456789`.\n"
    "2. **France**: `FR`, then 2 characters from `0-9` or `A–Z` *excluding I and O* (`A-HJ-NP-Z`), then 9 "
    "digits, e.g. `FR12345678901`.\n"
    "3. **Netherlands**: `NL`, 9 digits, a literal `B`, then 2 digits, e.g. `NL123456789B01`.\n\n"
    "The `(?: ... )` wrapper is a non-capturing group around the three alternatives. Each country code "
    "sits in its own capturing group, but nothing uses those captures. `isValidVat` strips whitespace, dots "
    "and hyphens before testing, so `de 123.456.789` passes too. It's only a format check: no other EU "
    "country is accepted and no checksum is verified. For real validation you'd call the EU's VIES service.",
    "typescript", None,
)

single(
    "Is there a race in this Go file I'm looking at? Tests pass but the page-view numbers in prod come out lower than the access logs.",
    "read_currently_open_file", {},
    D("""
        File: internal/metrics/counter.go

        package metrics

        import "sync"

        type PageViews struct {
        	mu     sync.RWMutex
        	counts map[string]int
        }

        func (p *PageViews) Inc(path string) {
        	p.mu.RLock()
        	n := p.counts[path]
        	p.mu.RUnlock()

        	p.mu.Lock()
        	p.counts[path] = n + 1
        	p.mu.Unlock()
        }

        func (p *PageViews) Snapshot() map[string]int {
        	p.mu.RLock()
        	defer p.mu.RUnlock()
        	out := make(map[string]int, len(p.counts))
        	for k, v := range p.counts {
        		out[k] = v
        	}
        	return out
        }
    """),
    "Yes. `Inc` in `internal/metrics/counter.go` has a classic check-then-act race. It reads the count "
    "under the **read** lock, releases it, then takes the **write** lock to store `n + 1`. Two goroutines "
    "can both read `n = 5` and both write 6, so one increment is lost. That matches numbers coming out low. "
    "Because there's no unsynchronised memory access, `go test -race` won't catch it; it's a logic race, "
    "not a data race.\n\n"
    "Do the read-modify-write under one write lock:\n\n"
    "```go\nfunc (p *PageViews) Inc(path string) {\n\tp.mu.Lock()\n\tp.counts[path]++\n\tp.mu.Unlock()\n}\n```\n\n"
    "`Snapshot` is fine as written. If contention is high, a `map[string]*atomic.Int64` filled in through "
    "`sync.Map` avoids the global lock.",
    "go", None,
)

single(
    "what env vars does the script I've got open expect to be set?",
    "read_currently_open_file", {},
    D("""
        File: ops/rotate-logs.sh

        #!/usr/bin/env bash
        set -euo pipefail

        : "${LOG_DIR:?LOG_DIR must be set}"
        RETENTION_DAYS="${RETENTION_DAYS:-14}"
        BUCKET="${ARCHIVE_BUCKET:-}"

        find "$LOG_DIR" -name '*.log' -mtime +1 -exec gzip -9 {} +

        if [[ -n "$BUCKET" ]]; then
          aws s3 sync "$LOG_DIR" "s3://$BUCKET/$(hostname)/" --exclude '*' --include '*.gz' \\
            --profile "${AWS_PROFILE:-default}"
        fi

        find "$LOG_DIR" -name '*.gz' -mtime +"$RETENTION_DAYS" -delete
    """),
    "`ops/rotate-logs.sh` reads four variables:\n\n"
    "| Variable | Required? | Default | Used for |\n|---|---|---|---|\n"
    "| `LOG_DIR` | **yes** | none; the script aborts with \"LOG_DIR must be set\" | directory to compress and prune |\n"
    "| `RETENTION_DAYS` | no | `14` | delete `.gz` files older than this |\n"
    "| `ARCHIVE_BUCKET` | no | empty, so the S3 upload is skipped | S3 bucket to sync compressed logs to |\n"
    "| `AWS_PROFILE` | no | `default` | AWS CLI profile for the sync |\n\n"
    "Because of `set -u`, any other unset variable would also stop the script, but these four are the "
    "only ones it reads. Note the order: archives are deleted after the sync, so with a bucket configured, "
    "logs are uploaded before they're pruned.",
    "bash", None,
)

single(
    "Is the migration I've got open safe to roll back?",
    "read_currently_open_file", {},
    D("""
        File: db/migrate/20240611093012_split_full_name_on_customers.rb

        class SplitFullNameOnCustomers < ActiveRecord::Migration[7.1]
          def change
            add_column :customers, :first_name, :string
            add_column :customers, :last_name, :string

            execute <<~SQL
              UPDATE customers
              SET first_name = split_part(full_name, ' ', 1),
                  last_name  = nullif(substr(full_name, length(split_part(full_name, ' ', 1)) + 2), '')
            SQL

            remove_column :customers, :full_name
          end
        end
    """),
    "No, rolling back `SplitFullNameOnCustomers` will fail. Inside `change`, Rails can reverse "
    "`add_column`, but:\n\n"
    "1. **`execute`** is irreversible: Rails has no idea how to undo raw SQL, so `db:rollback` raises "
    "`ActiveRecord::IrreversibleMigration`.\n"
    "2. **`remove_column :customers, :full_name`** without a type can't be reversed either. Rails needs "
    "the type to recreate the column, and even then the data would be gone.\n\n"
    "Split it into `up`/`down`, or use `reversible`:\n\n"
    "```ruby\ndef up\n  add_column :customers, :first_name, :string\n  add_column :customers, :last_name, :string\n"
    "  execute <<~SQL\n    -- same UPDATE as now\n  SQL\n  remove_column :customers, :full_name\nend\n\n"
    "def down\n  add_column :customers, :full_name, :string\n"
    "  execute \"UPDATE customers SET full_name = concat_ws(' ', first_name, last_name)\"\n"
    "  remove_column :customers, :last_name\n  remove_column :customers, :first_name\nend\n```\n\n"
    "Also consider shipping the `remove_column` in a later deploy. Old app servers still running during "
    "the deploy will read `full_name` and break.",
    "ruby", "rails",
)

single(
    "Are the names in the class I have open any good? Suggest better ones where they're unclear.",
    "read_currently_open_file", {},
    D("""
        File: app/src/main/java/com/tindr/sync/Mgr.java

        public class Mgr {
            private final Api a;
            private final Db d;
            private long ts;

            public Mgr(Api a, Db d) { this.a = a; this.d = d; }

            public int doIt(boolean f) {
                List<Item> l = a.get(f ? 0 : ts);
                for (Item i : l) d.put(i);
                ts = System.currentTimeMillis();
                return l.size();
            }
        }
    """),
    "The logic is fine but almost every name in `Mgr.java` hides what it does. Here's what I'd rename:\n\n"
    "| Now | Suggested | Why |\n|---|---|---|\n"
    "| `Mgr` | `ItemSyncer` | it syncs items from the API into the local DB |\n"
    "| `a`, `d` | `api`, `database` (or `itemDao`) | single letters say nothing |\n"
    "| `ts` | `lastSyncedAtMillis` | it's the time of the last sync, in ms |\n"
    "| `doIt(boolean f)` | `sync(boolean fullResync)` | `f == true` fetches everything from time 0 |\n"
    "| `l`, `i` | `items`, `item` | |\n\n"
    "It would also help to split the boolean flag into two methods, `fullSync()` and "
    "`incrementalSync()`. Separately, `ts` is set to \"now\" *after* the fetch, so items changed during "
    "the fetch can be missed. Capture the timestamp before calling the API.",
    "java", "android",
)

single(
    "Could this component I'm editing re-render more than it needs to?",
    "read_currently_open_file", {},
    D("""
        File: src/components/OrderTable.tsx

        import { useState } from 'react'
        import { Row } from './Row'

        export function OrderTable({ orders }: { orders: Order[] }) {
          const [query, setQuery] = useState('')
          const visible = orders.filter((o) => o.customer.toLowerCase().includes(query.toLowerCase()))

          return (
            <>
              <input value={query} onChange={(e) => setQuery(e.target.value)} placeholder="Filter by customer" />
              <table>
                <tbody>
                  {visible.map((o) => (
                    <Row key={o.id} order={o} onSelect={() => console.info('selected', o.id)} style={{ cursor: 'pointer' }} />
                  ))}
                </tbody>
              </table>
            </>
          )
        }
    """),
    "Yes, a little. In `OrderTable.tsx`:\n\n"
    "1. **Every keystroke re-renders every `Row`.** Each render creates a new `onSelect` arrow function "
    "and a new `style` object per row, so even if `Row` were wrapped in `React.memo`, its props would "
    "never be equal. Move the style to a constant (or CSS) and pass a stable handler, e.g. "
    "`onSelect={handleSelect}` with `useCallback`, letting `Row` call `onSelect(order.id)`.\n"
    "2. **Filtering runs on every render.** That's fine for a few hundred orders. For thousands, wrap "
    "it in `useMemo(() => ..., [orders, query])` and consider `useDeferredValue(query)` so typing stays "
    "smooth.\n"
    "3. Then wrap `Row` in `memo`. Without the first fix, `memo` gains nothing.\n\n"
    "If you're on React 19 with the React Compiler enabled, it memoizes most of this for you, but the "
    "inline `style` object is still worth hoisting.",
    "typescript", "react",
)


# ==== single calls: view_diff ====================================================================

single(
    "Did I accidentally modify any lockfiles in my current changes?",
    "view_diff", {},
    D("""
        diff --git a/package.json b/package.json
        index 4b1c2aa..9e0f3d1 100644
        --- a/package.json
        +++ b/package.json
        @@ -18,7 +18,7 @@
           "dependencies": {
             "date-fns": "^3.6.0",
        -    "zustand": "^4.5.2"
        +    "zustand": "^4.5.4"
           },
        diff --git a/pnpm-lock.yaml b/pnpm-lock.yaml
        index 77ad01e..c30b9f2 100644
        --- a/pnpm-lock.yaml
        +++ b/pnpm-lock.yaml
        @@ -1204,8 +1204,8 @@ packages:
        -  zustand@4.5.2:
        -    resolution: {integrity: sha512-2cN1tPkDVkwCy5ickKrI7vijSjPksFRfqS6237NzT0vqSsztTNnQdHw9mmN7uBdk3gceVXU0a+21jFzFzAc9+g==}
        +  zustand@4.5.4:
        +    resolution: {integrity: sha512-/BPMyLKJPtFEvVL0E9E9BTUM63MNyhPGlvxk1XjrfWTUlV+BR8jufjsovHzrtR6YNcBEcL7cMHovL1n9xHawEg==}
        diff --git a/src/store/session.ts b/src/store/session.ts
        index 0a1f2b3..5c6d7e8 100644
        --- a/src/store/session.ts
        +++ b/src/store/session.ts
        @@ -12,6 +12,7 @@ export const useSession = create<SessionState>()((set) => ({
           user: null,
        +  lastActiveAt: Date.now(),
           signOut: () => set({ user: null }),
    """),
    "Yes, one lockfile is changed: **`pnpm-lock.yaml`**. It moves `zustand` from 4.5.2 to 4.5.4. That "
    "matches the `package.json` change from `^4.5.2` to `^4.5.4`, so it looks like a deliberate upgrade "
    "(e.g. `pnpm up zustand`), not an accident. The only other change is the new `lastActiveAt` field in "
    "`src/store/session.ts`. If you didn't mean to bump zustand, revert both files with "
    "`git checkout -- package.json pnpm-lock.yaml`.",
    "typescript", "react",
)

single(
    "Before I commit: is there anything that looks like a secret or credential in my working changes?",
    "view_diff", {},
    D("""
        diff --git a/config/settings/local.py b/config/settings/local.py
        index 3e2a1b0..f71c9d4 100644
        --- a/config/settings/local.py
        +++ b/config/settings/local.py
        @@ -22,3 +22,6 @@ DATABASES = {
         }
        +
        +SENDGRID_API_KEY = "SG.k3Jd9xQ2R-aVt0.pW8mZbYcL4nE7uH1sF6gT2rD9vK0xJ5qA3wB8yC1zM4"
        +DEFAULT_FROM_EMAIL = "noreply@example.com"
        diff --git a/notifications/email.py b/notifications/email.py
        index 8a7b6c5..1d2e3f4 100644
        --- a/notifications/email.py
        +++ b/notifications/email.py
        @@ -1,9 +1,13 @@
        +from django.conf import settings
        +from sendgrid import SendGridAPIClient
        +from sendgrid.helpers.mail import Mail
        +
         def send_receipt(order):
    """),
    "**Yes, don't commit this yet.** `config/settings/local.py` now contains a hard-coded SendGrid API "
    "key (`SENDGRID_API_KEY = \"SG.k3Jd...\"`). Even in a \"local\" settings file it would end up in git "
    "history permanently.\n\nInstead:\n\n"
    "```python\nSENDGRID_API_KEY = env(\"SENDGRID_API_KEY\")  # or os.environ[\"SENDGRID_API_KEY\"]\n```\n\n"
    "and put the real value in your untracked `.env`. If this key has been pushed or shared anywhere, "
    "revoke it in the SendGrid dashboard and create a new one. The `DEFAULT_FROM_EMAIL` line and the new "
    "imports in `notifications/email.py` are fine.",
    "python", "django",
)

single(
    "quick sanity check — do my uncommitted edits change any exported function signatures? I don't want to break the SDK's users.",
    "view_diff", {},
    D("""
        diff --git a/src/client.ts b/src/client.ts
        index 51ac3e2..a0f9d71 100644
        --- a/src/client.ts
        +++ b/src/client.ts
        @@ -40,11 +40,15 @@ export class Client {
        -  async listInvoices(customerId: string, limit = 20): Promise<Invoice[]> {
        -    return this.get(`/customers/${customerId}/invoices?limit=${limit}`)
        +  async listInvoices(customerId: string, opts: { limit?: number; cursor?: string } = {}): Promise<Page<Invoice>> {
        +    const params = new URLSearchParams({ limit: String(opts.limit ?? 20) })
        +    if (opts.cursor) params.set('cursor', opts.cursor)
        +    return this.get(`/customers/${customerId}/invoices?${params}`)
           }
        @@ -88,6 +92,10 @@ export class Client {
        +  async getInvoicePdf(id: string): Promise<Blob> {
        +    return this.getBlob(`/invoices/${id}/pdf`)
        +  }
        +
    """),
    "Yes, there's one breaking change in `src/client.ts`:\n\n"
    "- **`listInvoices`**: the second parameter changed from `limit = 20` (a number) to an options object "
    "`{ limit?, cursor? }`, **and** the return type went from `Promise<Invoice[]>` to "
    "`Promise<Page<Invoice>>`. Callers doing `listInvoices(id, 50)` get a type error (and at runtime the "
    "number is ignored), and code that treats the result as an array breaks.\n"
    "- **`getInvoicePdf`** is new. Additions are non-breaking.\n\n"
    "To keep compatibility you could add a new `listInvoicesPage(customerId, opts)` method and keep the old "
    "one (marked `@deprecated`). Otherwise, release this as a new **major** version.",
    "typescript", None,
)

single(
    "Draft a CHANGELOG entry for what I've got uncommitted right now.",
    "view_diff", {},
    D("""
        diff --git a/src/main/kotlin/io/ktorshop/routes/Products.kt b/src/main/kotlin/io/ktorshop/routes/Products.kt
        index 2d3c4b5..8e9f0a1 100644
        --- a/src/main/kotlin/io/ktorshop/routes/Products.kt
        +++ b/src/main/kotlin/io/ktorshop/routes/Products.kt
        @@ -14,9 +14,16 @@ fun Route.productRoutes(repo: ProductRepository) {
                 get {
        -            call.respond(repo.all())
        +            val category = call.request.queryParameters["category"]
        +            val page = call.request.queryParameters["page"]?.toIntOrNull()?.coerceAtLeast(1) ?: 1
        +            call.respond(repo.find(category = category, page = page, pageSize = 50))
                 }
        +        get("/{id}") {
        +            val id = call.parameters["id"]?.toLongOrNull() ?: return@get call.respond(HttpStatusCode.BadRequest)
        +            repo.byId(id)?.let { call.respond(it) } ?: call.respond(HttpStatusCode.NotFound)
        +        }
        diff --git a/src/main/kotlin/io/ktorshop/Application.kt b/src/main/kotlin/io/ktorshop/Application.kt
        index 1a2b3c4..5d6e7f8 100644
        --- a/src/main/kotlin/io/ktorshop/Application.kt
        +++ b/src/main/kotlin/io/ktorshop/Application.kt
        @@ -20,6 +20,9 @@ fun Application.module() {
        +    install(Compression) {
        +        gzip { minimumSize(1024) }
        +    }
    """),
    "Here's an entry in Keep a Changelog style:\n\n"
    "```markdown\n## [Unreleased]\n\n### Added\n"
    "- `GET /products/{id}` returns a single product (400 for a non-numeric id, 404 if not found).\n"
    "- `GET /products` accepts `category` and `page` query parameters; results are paginated 50 per page.\n"
    "- Gzip compression for responses of 1 KB or more.\n\n"
    "### Changed\n- `GET /products` no longer returns the whole catalogue in one response; clients must "
    "page through results.\n```\n\n"
    "I listed the pagination under **Changed** as well, because existing clients that expect every product "
    "in one response will now only get the first 50.",
    "kotlin", "ktor",
)

single(
    "I changed some terraform. Does my pending diff touch anything in the prod environment?",
    "view_diff", {},
    D("""
        diff --git a/infra/envs/staging/main.tf b/infra/envs/staging/main.tf
        index 6b7c8d9..0e1f2a3 100644
        --- a/infra/envs/staging/main.tf
        +++ b/infra/envs/staging/main.tf
        @@ -31,7 +31,7 @@ module "api" {
           source        = "../../modules/ecs-service"
        -  desired_count = 1
        +  desired_count = 2
        diff --git a/infra/modules/ecs-service/main.tf b/infra/modules/ecs-service/main.tf
        index 4c5d6e7..8f9a0b1 100644
        --- a/infra/modules/ecs-service/main.tf
        +++ b/infra/modules/ecs-service/main.tf
        @@ -58,6 +58,7 @@ resource "aws_ecs_service" "this" {
           deployment_minimum_healthy_percent = 50
        +  deployment_maximum_percent         = 150
           enable_execute_command             = true
    """),
    "Not directly, but indirectly **yes**:\n\n"
    "- `infra/envs/staging/main.tf`: staging's API goes from `desired_count = 1` to `2`. Staging only.\n"
    "- `infra/modules/ecs-service/main.tf`: this is the **shared module**. Adding "
    "`deployment_maximum_percent = 150` changes every environment that uses `ecs-service`, and that "
    "almost certainly includes prod. The next `terraform apply` in `infra/envs/prod` will show an in-place "
    "update of `aws_ecs_service.this`.\n\n"
    "It's a low-risk change (it only limits how many extra tasks run during a deploy; AWS's default is "
    "200%), but run `terraform plan` in the prod env to confirm. If you want it to apply only to staging "
    "for now, make it a module variable that defaults to 200.",
    None, "terraform",
)


# ==== single calls: ls ===========================================================================

single(
    "What do we have in the scripts folder?",
    "ls", {"dirPath": "scripts"},
    D("""
        bootstrap.sh
        db-dump.sh
        gen-openapi-client.mjs
        release/
        smoke-test.sh
        sync-translations.py
    """),
    "`scripts/` has five files and one subfolder:\n\n"
    "- `bootstrap.sh`: most likely first-time dev setup\n- `db-dump.sh`: dumps the database\n"
    "- `gen-openapi-client.mjs`: a Node script that generates the API client from the OpenAPI spec\n"
    "- `smoke-test.sh`: post-deploy smoke checks\n- `sync-translations.py`: a Python script for i18n files\n"
    "- `release/`: a directory, presumably release tooling\n\nWant me to open any of them or list `release/`?",
    None, None,
)

single(
    "list app/Models for me",
    "ls", {"dirPath": "app/Models"},
    D("""
        Concerns/
        Invoice.php
        InvoiceLine.php
        Membership.php
        Project.php
        Team.php
        User.php
    """),
    "`app/Models` has six Eloquent models: `Invoice`, `InvoiceLine`, `Membership`, `Project`, `Team` and "
    "`User`, plus a `Concerns/` folder for shared model traits. `Membership` is probably the pivot "
    "between `User` and `Team`.",
    "php", "laravel",
)

single(
    "Give me the full tree of lib/, including nested folders. It's a Flutter app and I want to see how features are organized.",
    "ls", {"dirPath": "lib", "recursive": True},
    D("""
        app.dart
        main.dart
        router.dart
        core/
        core/api_client.dart
        core/result.dart
        core/theme.dart
        features/
        features/auth/
        features/auth/auth_repository.dart
        features/auth/sign_in_screen.dart
        features/feed/
        features/feed/feed_controller.dart
        features/feed/feed_screen.dart
        features/feed/post_detail_screen.dart
        features/feed/widgets/
        features/feed/widgets/post_card.dart
        features/settings/
        features/settings/settings_screen.dart
        state/
        state/session.dart
        widgets/
        widgets/retry_button.dart
    """),
    "The app is organised **feature-first**:\n\n"
    "- **Root**: `main.dart` (entry point), `app.dart` (probably the `MaterialApp`), `router.dart` (routing)\n"
    "- **`core/`**: shared infrastructure: `api_client.dart`, a `result.dart` type for success/failure, "
    "and `theme.dart`\n"
    "- **`features/`**, one folder per feature:\n"
    "  - `auth/`: `auth_repository.dart` and `sign_in_screen.dart`\n"
    "  - `feed/`: `feed_controller.dart`, `feed_screen.dart`, `post_detail_screen.dart`, with "
    "feature-specific widgets in `feed/widgets/` (`post_card.dart`)\n"
    "  - `settings/`: `settings_screen.dart`\n"
    "- **`state/`**: app-wide state (`session.dart`)\n"
    "- **`widgets/`**: reusable widgets shared across features (`retry_button.dart`)\n\n"
    "So new features get their own folder under `features/` with a screen, a controller and a repository, "
    "and only truly shared pieces go in `core/` or `widgets/`.",
    "dart", "flutter",
)

single(
    "what binaries live under cmd/?",
    "ls", {"dirPath": "cmd"},
    D("""
        api/
        migrate/
        worker/
        backfill-ledger/
    """),
    "`cmd/` holds four binaries, each in its own folder with a `main` package:\n\n"
    "- `cmd/api`: the HTTP API server\n- `cmd/worker`: background job processor\n"
    "- `cmd/migrate`: database migrations\n- `cmd/backfill-ledger`: probably a one-off backfill tool\n\n"
    "Build any of them with e.g. `go build ./cmd/worker`.",
    "go", None,
)

single(
    "What's in src/main/java/com/shopline/orders?",
    "ls", {"dirPath": "src/main/java/com/shopline/orders"},
    D("""
        Order.java
        OrderController.java
        OrderDto.java
        OrderLine.java
        OrderMapper.java
        OrderRepository.java
        OrderService.java
        OrderStatus.java
        events/
    """),
    "The `orders` package follows a standard Spring layering:\n\n"
    "- **Web**: `OrderController`, with `OrderDto` as the API shape and `OrderMapper` to convert between them\n"
    "- **Service**: `OrderService`\n- **Persistence**: `OrderRepository`, probably Spring Data JPA\n"
    "- **Domain**: `Order`, `OrderLine`, `OrderStatus` (an enum)\n"
    "- **`events/`**: a subpackage, likely domain events such as order placed or shipped",
    "java", "spring_boot",
)

single(
    "show the contents of tests/fixtures",
    "ls", {"dirPath": "tests/fixtures"},
    D("""
        __init__.py
        bank_statement_camt053.xml
        bank_statement_mt940.txt
        factories.py
        invoices.json
        large_import.csv.gz
    """),
    "`tests/fixtures/` contains:\n\n"
    "- `factories.py` (plus `__init__.py`): presumably factory_boy factories for models\n"
    "- `invoices.json`: sample invoice data\n"
    "- `bank_statement_camt053.xml` and `bank_statement_mt940.txt`: sample bank statements in the two "
    "formats the importer supports (ISO 20022 CAMT.053 and SWIFT MT940)\n"
    "- `large_import.csv.gz`: a compressed CSV, probably for a performance or bulk-import test",
    "python", None,
)

single(
    "which initializers do we have? config/initializers",
    "ls", {"dirPath": "config/initializers"},
    D("""
        active_storage.rb
        cors.rb
        filter_parameter_logging.rb
        inflections.rb
        lograge.rb
        rack_attack.rb
        sentry.rb
        sidekiq.rb
    """),
    "There are eight initializers in `config/initializers/`:\n\n"
    "- **Rails defaults**: `inflections.rb`, `filter_parameter_logging.rb`, `cors.rb`, `active_storage.rb`\n"
    "- **Logging and monitoring**: `lograge.rb` (single-line request logs), `sentry.rb` (error tracking)\n"
    "- **Security**: `rack_attack.rb` (rate limiting and blocking)\n"
    "- **Jobs**: `sidekiq.rb` (Redis connection and server/client config)",
    "ruby", "rails",
)

single(
    "Recursively list Sources/ — I want to see the module layout of this Swift package",
    "ls", {"dirPath": "Sources", "recursive": True},
    D("""
        TripKit/
        TripKit/Models/
        TripKit/Models/Itinerary.swift
        TripKit/Models/Stop.swift
        TripKit/Networking/
        TripKit/Networking/APIClient.swift
        TripKit/Networking/Endpoint.swift
        TripKit/Networking/TokenStore.swift
        TripKit/Planning/
        TripKit/Planning/RoutePlanner.swift
        TripKit/Planning/TravelTimeEstimator.swift
        TripKit/TripKit.swift
    """),
    "`Sources/` has a single module, **TripKit**, split into three areas:\n\n"
    "- `Models/`: `Itinerary.swift`, `Stop.swift`\n"
    "- `Networking/`: `APIClient.swift`, `Endpoint.swift` (typed request descriptions), `TokenStore.swift` "
    "(auth tokens)\n"
    "- `Planning/`: `RoutePlanner.swift`, `TravelTimeEstimator.swift`\n\n"
    "plus `TripKit.swift` at the module root, usually the public entry point or re-exports.",
    "swift", None,
)

single(
    "ls priv/repo",
    "ls", {"dirPath": "priv/repo"},
    D("""
        migrations/
        seeds.exs
        structure.sql
    """),
    "`priv/repo` contains `migrations/` (the Ecto migrations), `seeds.exs` (run with "
    "`mix run priv/repo/seeds.exs`) and `structure.sql`. That file means the project dumps the schema as "
    "raw SQL (`mix ecto.dump`) instead of relying only on the migrations.",
    "elixir", "phoenix",
)

single(
    "what's under .github? include subfolders",
    "ls", {"dirPath": ".github", "recursive": True},
    D("""
        CODEOWNERS
        ISSUE_TEMPLATE/
        ISSUE_TEMPLATE/bug_report.yml
        ISSUE_TEMPLATE/feature_request.yml
        dependabot.yml
        pull_request_template.md
        workflows/
        workflows/ci.yml
        workflows/codeql.yml
        workflows/release.yml
    """),
    "`.github/` contains:\n\n"
    "- `CODEOWNERS`: automatic review requests\n- `dependabot.yml`: dependency update PRs\n"
    "- `pull_request_template.md`\n- `ISSUE_TEMPLATE/`: `bug_report.yml` and `feature_request.yml` (issue forms)\n"
    "- `workflows/`: three Actions workflows: `ci.yml`, `codeql.yml` (security scanning) and `release.yml`",
    None, "github_actions",
)

single(
    "List the crates directory — how many crates does this workspace have?",
    "ls", {"dirPath": "crates"},
    D("""
        lexi/
        lexi-cli/
        lexi-lsp/
        lexi-macros/
        lexi-testutil/
    """),
    "There are **five crates** under `crates/`:\n\n"
    "- `lexi`: the core library\n- `lexi-cli`: command-line frontend\n- `lexi-lsp`: a language server\n"
    "- `lexi-macros`: procedural macros\n- `lexi-testutil`: shared test helpers, likely only a dev-dependency\n\n"
    "The root `Cargo.toml` may list more workspace members outside `crates/`, but these are the ones in "
    "this folder.",
    "rust", None,
)

single(
    "Recursively show me src/app/features, I'm trying to find where the billing pages live in this Angular app",
    "ls", {"dirPath": "src/app/features", "recursive": True},
    D("""
        billing/
        billing/billing.routes.ts
        billing/invoice-list/
        billing/invoice-list/invoice-list.component.html
        billing/invoice-list/invoice-list.component.ts
        billing/invoice-detail/
        billing/invoice-detail/invoice-detail.component.html
        billing/invoice-detail/invoice-detail.component.ts
        billing/billing.service.ts
        dashboard/
        dashboard/dashboard.component.ts
        dashboard/dashboard.component.html
        settings/
        settings/settings.routes.ts
        settings/profile/
        settings/profile/profile.component.ts
    """),
    "Billing lives in **`src/app/features/billing/`**:\n\n"
    "- `billing.routes.ts`: the lazy-loaded routes for the billing section\n"
    "- `invoice-list/`: `InvoiceListComponent` (`.ts` and `.html`)\n"
    "- `invoice-detail/`: `InvoiceDetailComponent`\n"
    "- `billing.service.ts`: the data access for both pages\n\n"
    "The other features are `dashboard/` and `settings/` (which has a `profile/` page). Start with "
    "`billing.routes.ts` to see which URL maps to which component.",
    "typescript", "angular",
)

single(
    "What's inside the migrations folder of the Go service? It's db/migrations",
    "ls", {"dirPath": "db/migrations"},
    D("""
        000001_create_accounts.down.sql
        000001_create_accounts.up.sql
        000002_create_ledger_entries.down.sql
        000002_create_ledger_entries.up.sql
        000003_add_entries_idempotency_key.down.sql
        000003_add_entries_idempotency_key.up.sql
    """),
    "`db/migrations` has **three migrations** in golang-migrate's `NNNNNN_name.up.sql` / `.down.sql` format:\n\n"
    "1. `000001_create_accounts`\n2. `000002_create_ledger_entries`\n3. `000003_add_entries_idempotency_key`\n\n"
    "Each one has a down file, so all three can be rolled back. The next one should be numbered `000004_`.",
    "go", None,
)


# ==== single calls: grep_search ==================================================================

single(
    "Which of our HTTP calls use requests without a timeout? Find all the requests.get/post calls first.",
    "grep_search", {"query": r"requests\.(get|post|put|delete)\("},
    D("""
        integrations/shipping/dhl.py:41:        resp = requests.post(self.base_url + "/shipments", json=payload, timeout=15)
        integrations/shipping/dhl.py:77:        resp = requests.get(f"{self.base_url}/track/{tracking_no}")
        integrations/crm/hubspot.py:23:    r = requests.get(url, headers=_headers(), params={"limit": 100})
        integrations/crm/hubspot.py:58:    r = requests.post(url, headers=_headers(), json=body, timeout=10)
        core/webhooks.py:112:            requests.post(endpoint.url, data=body, headers=sig_headers, timeout=(3, 10))
    """),
    "I found 5 calls, and **2 have no timeout**:\n\n"
    "| File | Line | Call | Timeout |\n|---|---|---|---|\n"
    "| `integrations/shipping/dhl.py` | 41 | `requests.post(.../shipments)` | 15 s |\n"
    "| `integrations/shipping/dhl.py` | **77** | `requests.get(.../track/...)` | **none** |\n"
    "| `integrations/crm/hubspot.py` | **23** | `requests.get(url, params=...)` | **none** |\n"
    "| `integrations/crm/hubspot.py` | 58 | `requests.post(url, json=body)` | 10 s |\n"
    "| `core/webhooks.py` | 112 | `requests.post(endpoint.url, ...)` | (3, 10) |\n\n"
    "Without a timeout, `requests` waits forever on a hung connection and ties up the worker. Add "
    "`timeout=` to lines 77 and 23. The `(connect, read)` tuple used in `webhooks.py` is a good pattern. "
    "This only matched calls on the `requests` module itself, so if you use `requests.Session` objects, "
    "search for `session.get(` too.",
    "python", None,
)

single(
    "where is the useAuth hook used?",
    "grep_search", {"query": r"useAuth\("},
    D("""
        src/auth/useAuth.ts:9:export function useAuth(): AuthContextValue {
        src/components/Header.tsx:14:  const { user, signOut } = useAuth()
        src/pages/Account.tsx:22:  const { user } = useAuth()
        src/routes/ProtectedRoute.tsx:8:  const { user, loading } = useAuth()
        src/components/CommentForm.tsx:31:  const auth = useAuth()
    """),
    "`useAuth` is defined in `src/auth/useAuth.ts` (line 9) and called in four components:\n\n"
    "- `src/components/Header.tsx:14`: takes `user` and `signOut`\n"
    "- `src/pages/Account.tsx:22`: `user`\n"
    "- `src/routes/ProtectedRoute.tsx:8`: `user` and `loading` (route guarding)\n"
    "- `src/components/CommentForm.tsx:31`: the whole context object",
    "typescript", "react",
)

single(
    "Who calls send_welcome_email? I want to change its signature.",
    "grep_search", {"query": "send_welcome_email"},
    D("""
        accounts/emails.py:18:def send_welcome_email(user, *, locale="en"):
        accounts/signals.py:11:        send_welcome_email(instance)
        accounts/management/commands/resend_welcome.py:27:            send_welcome_email(user, locale=user.profile.locale)
        accounts/tests/test_emails.py:9:    send_welcome_email(user)
        accounts/tests/test_emails.py:21:    send_welcome_email(user, locale="de")
    """),
    "`send_welcome_email(user, *, locale=\"en\")` is defined in `accounts/emails.py:18`. Callers:\n\n"
    "1. `accounts/signals.py:11`: `send_welcome_email(instance)`, probably a `post_save` handler on user creation\n"
    "2. `accounts/management/commands/resend_welcome.py:27`: passes `locale=user.profile.locale`\n"
    "3. `accounts/tests/test_emails.py:9` and `:21`: two test calls, one with `locale=\"de\"`\n\n"
    "So there are only two production call sites. If you add a parameter, give it a default or update "
    "the signal handler. This search only finds direct calls, though; something like "
    "`getattr(emails, name)` or a task queue calling it by its dotted path wouldn't show up here.",
    "python", "django",
)

single(
    "Find every @Transactional(readOnly = true) in the codebase",
    "grep_search", {"query": r"@Transactional\(readOnly\s*=\s*true\)"},
    D("""
        src/main/java/com/shopline/orders/OrderService.java:24:@Transactional(readOnly = true)
        src/main/java/com/shopline/catalog/ProductQueryService.java:18:@Transactional(readOnly = true)
        src/main/java/com/shopline/reports/SalesReportService.java:41:    @Transactional(readOnly = true)
        src/main/java/com/shopline/reports/SalesReportService.java:67:    @Transactional(readOnly = true)
    """),
    "There are 4 occurrences in 3 classes:\n\n"
    "- `OrderService.java:24` and `ProductQueryService.java:18`: at **class** level (column 1), so every "
    "public method is read-only by default\n"
    "- `SalesReportService.java:41` and `:67`: on two individual **methods**\n\n"
    "Watch out in `OrderService`: since the class default is read-only, any method that writes needs "
    "its own `@Transactional` to override it. Otherwise Hibernate skips the flush and the writes are "
    "silently lost.",
    "java", "spring_boot",
)

single(
    "How many unsafe blocks do we have in the Rust code? List them.",
    "grep_search", {"query": r"unsafe\s*\{"},
    D("""
        crates/lexi/src/arena.rs:58:        unsafe { self.chunk.as_ptr().add(offset).cast::<T>().write(value) };
        crates/lexi/src/arena.rs:64:        unsafe { &*self.chunk.as_ptr().add(offset).cast::<T>() }
        crates/lexi/src/intern.rs:33:        let s = unsafe { std::str::from_utf8_unchecked(bytes) };
        crates/lexi-lsp/src/ffi.rs:12:    unsafe {
    """),
    "There are **4 `unsafe` blocks**:\n\n"
    "1. `crates/lexi/src/arena.rs:58`: raw pointer write into the arena chunk\n"
    "2. `crates/lexi/src/arena.rs:64`: turns a raw pointer into a reference to an arena item\n"
    "3. `crates/lexi/src/intern.rs:33`: `from_utf8_unchecked` on interned bytes\n"
    "4. `crates/lexi-lsp/src/ffi.rs:12`: a multi-line block for FFI\n\n"
    "The `intern.rs` one is the easiest to remove: if the bytes always come from a `&str`, store `str` "
    "slices instead, or benchmark `std::str::from_utf8` (it's fast) and take the check. The arena ones "
    "need `// SAFETY:` comments explaining alignment and bounds if they don't have them already. This "
    "search doesn't catch `unsafe fn` or `unsafe impl`; search for those separately for a full audit.",
    "rust", None,
)

single(
    "Security review: do we render raw HTML anywhere via dangerouslySetInnerHTML?",
    "grep_search", {"query": "dangerouslySetInnerHTML"},
    D("""
        src/components/MarkdownPreview.tsx:19:      dangerouslySetInnerHTML={{ __html: DOMPurify.sanitize(marked.parse(source)) }}
        src/components/EmailTemplatePreview.tsx:44:      <div className="preview" dangerouslySetInnerHTML={{ __html: template.bodyHtml }} />
        src/pages/Legal.tsx:12:  return <article dangerouslySetInnerHTML={{ __html: terms }} />
    """),
    "Three places:\n\n"
    "1. **`MarkdownPreview.tsx:19`**: runs `DOMPurify.sanitize(...)` on the `marked` output. Fine.\n"
    "2. **`EmailTemplatePreview.tsx:44`**: renders `template.bodyHtml` **without sanitising**. If users "
    "can edit templates, that's a stored XSS risk. Wrap it in `DOMPurify.sanitize`, or render the preview "
    "in a sandboxed `<iframe srcdoc>` so its scripts and styles can't touch the app.\n"
    "3. **`Legal.tsx:12`**: renders `terms`. If that's a static string bundled with the app it's OK; if it "
    "comes from a CMS or API, sanitise it as well.\n\n"
    "Number 2 is the one to fix first.",
    "typescript", "react",
)

single(
    "where do we check the new_checkout feature flag?",
    "grep_search", {"query": r"new_checkout|newCheckout|NEW_CHECKOUT"},
    D("""
        web/src/flags.ts:7:  newCheckout: false,
        web/src/pages/Cart.tsx:52:  if (flags.newCheckout) return <CheckoutV2 cart={cart} />
        api/app/services/checkout.py:15:    if flags.is_enabled("new_checkout", user=user):
        api/app/services/checkout.py:88:        if flags.is_enabled("new_checkout", user=user):
        api/tests/test_checkout.py:30:@override_flag("new_checkout", active=True)
    """),
    "The flag shows up on both sides of the stack:\n\n"
    "**Frontend**\n- `web/src/flags.ts:7`: default `newCheckout: false`\n"
    "- `web/src/pages/Cart.tsx:52`: renders `<CheckoutV2>` when it's on\n\n"
    "**Backend**\n- `api/app/services/checkout.py:15` and `:88`: `flags.is_enabled(\"new_checkout\", user=user)`, "
    "evaluated per user\n- `api/tests/test_checkout.py:30`: a test forces it on\n\n"
    "Note that the frontend reads a static default while the backend decides per user. If a user gets "
    "the flag on the server but the web build still has `false`, they'll see the old UI talking to the "
    "new backend logic. Check whether `flags.ts` gets overridden at runtime.",
    "python", None,
)

single(
    "list every place we spawn a goroutine with `go func(`",
    "grep_search", {"query": r"go func\("},
    D("""
        cmd/api/main.go:48:	go func() {
        internal/scheduler/cron.go:57:	go func() {
        internal/notify/fanout.go:33:		go func(sub Subscriber) {
        internal/http/middleware/audit.go:29:		go func() {
        internal/ingest/reader.go:71:	go func() {
    """),
    "Five anonymous goroutines:\n\n"
    "1. `cmd/api/main.go:48`: probably the server's `ListenAndServe` or a shutdown waiter\n"
    "2. `internal/scheduler/cron.go:57`: the scheduler's ticker loop\n"
    "3. `internal/notify/fanout.go:33`: one goroutine **per subscriber**, taking `sub` as a parameter\n"
    "4. `internal/http/middleware/audit.go:29`: started **per request** from middleware\n"
    "5. `internal/ingest/reader.go:71`: a reader loop\n\n"
    "Numbers 3 and 4 deserve a closer look. The audit middleware starts a goroutine for every request "
    "with nothing limiting how many can pile up, and if it uses `r.Context()` the context is cancelled as "
    "soon as the handler returns. This doesn't include goroutines started with named functions "
    "(`go s.run(...)`); search for `go [a-zA-Z]` to find those.",
    "go", None,
)

single(
    "find usages of DateTime.Now in the C# code, we should be using UTC everywhere",
    "grep_search", {"query": r"DateTime\.Now\b"},
    D("""
        src/Billing/InvoiceGenerator.cs:57:        var issuedOn = DateTime.Now.Date;
        src/Billing/Subscriptions/RenewalJob.cs:23:            if (sub.RenewsAt <= DateTime.Now)
        src/Api/Controllers/HealthController.cs:15:        return Ok(new { status = "ok", time = DateTime.Now });
    """),
    "Three uses of `DateTime.Now` (local time):\n\n"
    "1. `src/Billing/InvoiceGenerator.cs:57`: `DateTime.Now.Date` for the issue date. On a server "
    "in another timezone, invoices issued near midnight get the wrong day.\n"
    "2. `src/Billing/Subscriptions/RenewalJob.cs:23`: compares `RenewsAt` against local time. If "
    "`RenewsAt` is stored in UTC, renewals fire hours early or late.\n"
    "3. `src/Api/Controllers/HealthController.cs:15`: only cosmetic.\n\n"
    "Replace them with `DateTime.UtcNow`. Even better, inject `TimeProvider` (.NET 8) and call "
    "`GetUtcNow()`, which also makes the renewal logic testable with `FakeTimeProvider`. The `\\b` in the "
    "search already excluded `DateTime.Now` as part of longer names, and `DateTime.Today` wouldn't match; "
    "search for it separately.",
    "csharp", None,
)

single(
    "Does any PHP file call eval()?",
    "grep_search", {"query": r"\beval\s*\("},
    D("""
        app/Support/FormulaEvaluator.php:38:        return eval('return ' . $expression . ';');
        vendor/symfony/var-dumper/Resources/bin/var-dump-server:52:    eval('?>' . file_get_contents($file));
    """),
    "One call in our own code and one in vendor:\n\n"
    "- **`app/Support/FormulaEvaluator.php:38`**: `eval('return ' . $expression . ';')`. If "
    "`$expression` can come from users (e.g. custom pricing formulas), that's remote code execution: "
    "`1; system('id')` would run. Replace it with a real expression parser such as "
    "`symfony/expression-language`, which only evaluates a safe subset.\n"
    "- `vendor/symfony/var-dumper/...`: a dev tool inside a dependency. Not ours to change, and it isn't "
    "reachable from the web.",
    "php", "laravel",
)

single(
    "list all DRF serializer classes",
    "grep_search", {"query": r"class \w+\((serializers\.)?(Model)?Serializer\)"},
    D("""
        catalog/serializers.py:9:class CategorySerializer(serializers.ModelSerializer):
        catalog/serializers.py:16:class ProductSerializer(serializers.ModelSerializer):
        catalog/serializers.py:41:class ProductSearchSerializer(serializers.Serializer):
        orders/serializers.py:12:class OrderLineSerializer(serializers.ModelSerializer):
        orders/serializers.py:20:class OrderSerializer(serializers.ModelSerializer):
        accounts/serializers.py:7:class SignupSerializer(serializers.Serializer):
    """),
    "Six serializers in three apps:\n\n"
    "| App | ModelSerializer | plain Serializer |\n|---|---|---|\n"
    "| `catalog` | `CategorySerializer`, `ProductSerializer` | `ProductSearchSerializer` |\n"
    "| `orders` | `OrderLineSerializer`, `OrderSerializer` | |\n"
    "| `accounts` | | `SignupSerializer` |\n\n"
    "This misses serializers that subclass one of your own base serializers (e.g. "
    "`class X(BaseProductSerializer)`). If you have those, search for `Serializer\\):` to be thorough.",
    "python", "django",
)

single(
    "Are there hard-coded localhost URLs with ports lurking in the source?",
    "grep_search", {"query": r"(localhost|127\.0\.0\.1):\d+"},
    D("""
        src/config.ts:4:export const API_URL = import.meta.env.VITE_API_URL ?? 'http://localhost:8080'
        src/services/analytics.ts:12:const COLLECTOR = 'http://127.0.0.1:9411/api/v2/spans'
        vite.config.ts:16:      '/api': { target: 'http://localhost:8080', changeOrigin: true },
        docker-compose.yml:21:      - "5432:5432"
        README.md:40:Open http://localhost:5174 in your browser.
    """),
    "Only one is a real problem:\n\n"
    "- **`src/services/analytics.ts:12`**: `COLLECTOR` is hard-wired to a local Zipkin at "
    "`http://127.0.0.1:9411`. In production, browsers will try to send spans to *their own* machine. "
    "Read it from an env var like `import.meta.env.VITE_TRACE_COLLECTOR` instead.\n\n"
    "The rest are fine:\n"
    "- `src/config.ts:4`: localhost is only a fallback when `VITE_API_URL` is unset\n"
    "- `vite.config.ts:16`: the dev server proxy, dev only\n"
    "- `docker-compose.yml:21` (a port mapping, not a URL) and `README.md:40` (docs)",
    "typescript", "vite",
)

single(
    "find the async tests in our rust crates (the ones annotated with tokio::test)",
    "grep_search", {"query": r"#\[tokio::test"},
    D("""
        crates/lexi-lsp/tests/handshake.rs:8:#[tokio::test]
        crates/lexi-lsp/tests/handshake.rs:31:#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        crates/lexi-lsp/src/server.rs:212:    #[tokio::test]
        crates/lexi-lsp/src/server.rs:240:    #[tokio::test(start_paused = true)]
    """),
    "Four async tests, all in `lexi-lsp`:\n\n"
    "- `tests/handshake.rs:8`: plain `#[tokio::test]` (current-thread runtime)\n"
    "- `tests/handshake.rs:31`: multi-threaded runtime with 2 workers\n"
    "- `src/server.rs:212`: unit test, current-thread\n"
    "- `src/server.rs:240`: `start_paused = true`, so the test controls time with "
    "`tokio::time::advance`. It needs tokio's `test-util` feature.\n\n"
    "None of the other crates have async tests.",
    "rust", "tokio",
)

single(
    "Search for the !! operator in our Kotlin sources so we can audit forced non-null assertions",
    "grep_search", {"query": r"\w!!"},
    D("""
        app/src/main/java/com/tindr/profile/ProfileViewModel.kt:44:        val uid = auth.currentUser!!.uid
        app/src/main/java/com/tindr/chat/ChatAdapter.kt:61:        holder.avatar.load(item.sender.avatarUrl!!)
        app/src/main/java/com/tindr/chat/ChatRepository.kt:88:        return cache[threadId]!!
        app/src/test/java/com/tindr/chat/ChatRepositoryTest.kt:19:        val msg = repo.latest()!!
    """),
    "Three `!!` in app code and one in a test:\n\n"
    "1. `ProfileViewModel.kt:44`: `auth.currentUser!!.uid` crashes if the session expired while the "
    "screen was open. Return early or emit a signed-out state instead.\n"
    "2. `ChatAdapter.kt:61`: `avatarUrl!!` crashes on any user without an avatar. Most image loaders "
    "accept `null` and show a placeholder, so just drop the `!!`.\n"
    "3. `ChatRepository.kt:88`: `cache[threadId]!!` throws a bare NPE on a cache miss. Use "
    "`cache[threadId] ?: error(\"thread $threadId not loaded\")` or `getValue(threadId)`, which at "
    "least gives a clear message.\n"
    "4. `ChatRepositoryTest.kt:19`: fine in a test.\n\n"
    "The pattern only matched `!!` directly after a word character, so `)!!` (after a call) isn't included. "
    "Search for `\\)!!` to catch those too.",
    "kotlin", "android",
)

single(
    "Where are we using try! in the Swift code?",
    "grep_search", {"query": r"try!"},
    D("""
        Sources/TripKit/Networking/Endpoint.swift:27:        let data = try! JSONEncoder().encode(body)
        Sources/TripKit/Planning/RoutePlanner.swift:102:        let regex = try! Regex(#"^[A-Z]{3}-\\d{4}$"#)
        Tests/TripKitTests/RoutePlannerTests.swift:15:        let fixture = try! loadFixture("berlin-day-trip")
    """),
    "Three `try!`:\n\n"
    "1. `Endpoint.swift:27`: `try! JSONEncoder().encode(body)`. Encoding can fail (e.g. a `Double` "
    "that's `.nan`, or a custom `encode(to:)` that throws), and this crashes the app. Make "
    "`makeURLRequest` throw and use `try`.\n"
    "2. `RoutePlanner.swift:102`: `try! Regex(...)` on a literal pattern is acceptable, since it can only "
    "fail if the literal is wrong. Even better, use a regex literal `/^[A-Z]{3}-\\d{4}$/`, which is "
    "checked at compile time, and hoist it to a `static let` so it isn't recompiled on every call.\n"
    "3. `RoutePlannerTests.swift:15`: fine in tests, though making the test `throws` and using `try` "
    "gives a nicer failure message.",
    "swift", None,
)

single(
    "We had a data loss scare. grep for Repo.delete_all so I can see every bulk delete.",
    "grep_search", {"query": r"Repo\.delete_all"},
    D("""
        lib/ledger/accounts.ex:142:    Repo.delete_all(from s in Session, where: s.account_id == ^account.id)
        lib/ledger/maintenance.ex:19:    Repo.delete_all(from e in Event, where: e.inserted_at < ^cutoff)
        lib/ledger/imports.ex:77:    Repo.delete_all(ImportRow)
        test/support/data_case.ex:40:    Repo.delete_all(Ledger.Accounts.Account)
    """),
    "Four `Repo.delete_all` calls:\n\n"
    "1. `lib/ledger/accounts.ex:142`: deletes one account's sessions. Scoped, fine.\n"
    "2. `lib/ledger/maintenance.ex:19`: deletes events older than `cutoff`. Scoped by date, but check "
    "how `cutoff` is computed; a `nil` or future cutoff would wipe everything.\n"
    "3. **`lib/ledger/imports.ex:77`: `Repo.delete_all(ImportRow)` with no `where`.** It deletes **every** "
    "import row for every account. If that's supposed to clear one import, it's a strong candidate for "
    "the data loss.\n"
    "4. `test/support/data_case.ex:40`: test cleanup only.\n\nI'd open `imports.ex` around line 77 next.",
    "elixir", "phoenix",
)

single(
    "Where does our code call update_column or update_columns? Those skip validations and callbacks.",
    "grep_search", {"query": r"update_columns?\("},
    D("""
        app/models/user.rb:88:    update_column(:last_seen_at, Time.current)
        app/services/billing/charge_customer.rb:41:      subscription.update_columns(status: "past_due", retry_count: subscription.retry_count + 1)
        app/controllers/admin/users_controller.rb:57:    @user.update_column(:role, params[:role])
    """),
    "Three call sites:\n\n"
    "1. `app/models/user.rb:88`: touching `last_seen_at`. A fine use: cheap, and there's nothing to validate.\n"
    "2. `app/services/billing/charge_customer.rb:41`: `update_columns(status:, retry_count:)`. This skips "
    "callbacks, so any `after_update` hook on `Subscription` (status-change emails, audit log) won't "
    "fire. Check whether that's intended. `retry_count + 1` read in Ruby also races with concurrent "
    "jobs; `increment!`/`update_counters` or a SQL expression avoids that.\n"
    "3. **`app/controllers/admin/users_controller.rb:57`: `update_column(:role, params[:role])`.** This "
    "writes an unvalidated value straight from params into `role`. Any inclusion validation is skipped, "
    "so an admin form could set a role that doesn't exist. Use `@user.update(role: ...)` with a "
    "validation, or whitelist the value first.",
    "ruby", "rails",
)

single(
    "Find every @ts-ignore and @ts-expect-error in the repo",
    "grep_search", {"query": r"@ts-(ignore|expect-error)"},
    D("""
        src/lib/analytics.ts:33:  // @ts-ignore -- window.dataLayer is injected by GTM
        src/components/Chart.tsx:71:      {/* @ts-expect-error recharts types lag behind */}
        src/api/client.ts:102:    // @ts-ignore
        test/setup.ts:5:// @ts-ignore
    """),
    "Four suppressions:\n\n"
    "| Location | Kind | Comment |\n|---|---|---|\n"
    "| `src/lib/analytics.ts:33` | `@ts-ignore` | `window.dataLayer` from GTM |\n"
    "| `src/components/Chart.tsx:71` | `@ts-expect-error` | recharts types |\n"
    "| `src/api/client.ts:102` | `@ts-ignore` | no reason given |\n"
    "| `test/setup.ts:5` | `@ts-ignore` | no reason given |\n\n"
    "Suggestions: the `analytics.ts` one can go once you add a global declaration "
    "(`declare global { interface Window { dataLayer: unknown[] } }`). Switch the unexplained ones to "
    "`@ts-expect-error` with a reason, so TypeScript tells you when they're no longer needed. The "
    "`client.ts` one in production code is the most worrying.",
    "typescript", None,
)

single(
    "Which queries lock rows with FOR UPDATE?",
    "grep_search", {"query": r"(?i)for\s+update"},
    D("""
        db/queries/ledger.sql:14:SELECT balance FROM accounts WHERE id = $1 FOR UPDATE;
        db/queries/ledger.sql:31:SELECT id, status FROM transfers WHERE id = $1 FOR UPDATE SKIP LOCKED;
        db/queries/jobs.sql:8:  FOR UPDATE SKIP LOCKED
        internal/store/payout.go:66:	row := tx.QueryRowContext(ctx, `SELECT amount FROM payouts WHERE id = $1 FOR UPDATE`, id)
    """),
    "Four row-locking queries:\n\n"
    "1. `db/queries/ledger.sql:14`: locks an account row to read its `balance`, the standard pattern "
    "for a safe debit.\n"
    "2. `db/queries/ledger.sql:31`: locks a transfer with `SKIP LOCKED`, so workers skip transfers "
    "another worker holds.\n"
    "3. `db/queries/jobs.sql:8`: `FOR UPDATE SKIP LOCKED` for a job-queue style dequeue.\n"
    "4. `internal/store/payout.go:66`: an inline query in Go that locks a payout row inside `tx`.\n\n"
    "If two transactions lock several accounts (say, both sides of a transfer), make sure they always "
    "lock in the same order (e.g. by ascending `id`) to avoid deadlocks.",
    "sql", None,
)

single(
    "Which shell scripts still use a #!/bin/sh shebang? I want everything on bash.",
    "grep_search", {"query": r"^#!/bin/sh"},
    D("""
        scripts/db-dump.sh:1:#!/bin/sh
        docker/entrypoint.sh:1:#!/bin/sh
        hooks/pre-commit:1:#!/bin/sh
    """),
    "Three files:\n\n- `scripts/db-dump.sh`\n- `docker/entrypoint.sh`\n- `hooks/pre-commit`\n\n"
    "Before switching `docker/entrypoint.sh` to `#!/usr/bin/env bash`, check the base image: Alpine "
    "and distroless images have no bash, and the container would fail to start with \"no such file or "
    "directory\". In that case keep it POSIX `sh`. The other two run on developer machines, so changing "
    "them is safe. Once they use bash you can add `set -euo pipefail` as well.",
    "bash", None,
)

single(
    "Which files still import lodash? We're trying to drop it.",
    "grep_search", {"query": r"from 'lodash|require\('lodash"},
    D("""
        src/utils/object.js:1:import { cloneDeep, isEqual } from 'lodash'
        src/features/search/SearchBar.jsx:3:import debounce from 'lodash/debounce'
        src/features/reports/groupTotals.js:2:import { groupBy, sumBy } from 'lodash'
        scripts/build-sitemap.js:4:const _ = require('lodash')
    """),
    "Four files, using 7 functions:\n\n"
    "| File | Uses | Native replacement |\n|---|---|---|\n"
    "| `src/utils/object.js` | `cloneDeep`, `isEqual` | `structuredClone()`; `isEqual` has no native equivalent (keep a tiny helper or `fast-deep-equal`) |\n"
    "| `src/features/search/SearchBar.jsx` | `debounce` | a 10-line helper or a `useDebouncedValue` hook |\n"
    "| `src/features/reports/groupTotals.js` | `groupBy`, `sumBy` | `Object.groupBy()` (ES2024) and `reduce` |\n"
    "| `scripts/build-sitemap.js` | `_` (whole library) | need to look at what it calls |\n\n"
    "I searched single-quoted imports only. If any files use double quotes, search for `lodash` on its "
    "own to be sure.",
    "javascript", "react",
)

single(
    "where do we set MAX_UPLOAD_SIZE?",
    "grep_search", {"query": "MAX_UPLOAD_SIZE"},
    D("""
        app/config.py:27:    MAX_UPLOAD_SIZE: int = 25 * 1024 * 1024
        app/routers/files.py:40:    if file.size and file.size > settings.MAX_UPLOAD_SIZE:
        deploy/helm/values-prod.yaml:33:    MAX_UPLOAD_SIZE: "104857600"
        deploy/nginx/api.conf:12:    client_max_body_size 20m;
    """),
    "It's defined in `app/config.py:27` with a default of **25 MB** (`25 * 1024 * 1024`), probably a "
    "pydantic-settings field, so an env var of the same name overrides it. "
    "`app/routers/files.py:40` enforces it.\n\n"
    "Production overrides it in `deploy/helm/values-prod.yaml:33` to **104857600 bytes (100 MB)**.\n\n"
    "But `deploy/nginx/api.conf:12` has `client_max_body_size 20m;`, so nginx rejects anything over "
    "**20 MB** with a 413 before the app sees it. The effective limit is 20 MB everywhere nginx sits in "
    "front. Raise the nginx limit to match, or the app settings are moot.",
    "python", "fastapi",
)

single(
    "Find where we spin up raw std::thread objects in the C++ code",
    "grep_search", {"query": r"std::thread\b"},
    D("""
        src/io/loader.cpp:88:    std::thread worker([this, path] { decode(path); });
        src/io/loader.cpp:89:    worker.detach();
        src/net/session.cpp:41:    reader_ = std::thread(&Session::readLoop, this);
        include/tilemap/thread_pool.hpp:27:    std::vector<std::thread> workers_;
    """),
    "Three places create threads directly:\n\n"
    "1. **`src/io/loader.cpp:88-89`**: a thread capturing `this`, immediately `detach()`ed. If the "
    "loader is destroyed while `decode` is running, the thread uses a dangling `this`. Use the existing "
    "thread pool or a `std::jthread` member that's joined in the destructor.\n"
    "2. `src/net/session.cpp:41`: `reader_` is a member thread. Make sure `~Session` joins it (or switch "
    "to `std::jthread` with a `stop_token`, since you're on C++20).\n"
    "3. `include/tilemap/thread_pool.hpp:27`: the pool's own workers, which is expected.\n\n"
    "So the detached loader thread is the real risk.",
    "cpp", None,
)

single(
    "grep the Scala code for implicit defs — we want to migrate to given/using eventually",
    "grep_search", {"query": r"implicit\s+(def|val|class)"},
    D("""
        app/models/JsonFormats.scala:8:  implicit val vehicleFormat: OFormat[Vehicle] = Json.format[Vehicle]
        app/models/JsonFormats.scala:9:  implicit val tripFormat: OFormat[Trip] = Json.format[Trip]
        app/utils/Syntax.scala:5:  implicit class RichInstant(val i: Instant) extends AnyVal {
        app/utils/Conversions.scala:12:  implicit def kmToMiles(km: Kilometres): Miles = Miles(km.value * 0.621371)
        app/controllers/TripsController.scala:21:  implicit val ec: ExecutionContext = cc.executionContext
    """),
    "Five implicits, in three categories:\n\n"
    "- **Type class instances** (`JsonFormats.scala:8-9`, Play JSON formats) become `given` instances in Scala 3.\n"
    "- **Extension methods** (`Syntax.scala:5`, `implicit class RichInstant`) become `extension (i: Instant) ...`.\n"
    "- **Implicit conversion** (`Conversions.scala:12`, `kmToMiles`): Scala 3 requires `given Conversion[Kilometres, Miles]` "
    "plus `import scala.language.implicitConversions` at use sites. Silently converting units is risky "
    "anyway; an explicit `.toMiles` would be safer.\n"
    "- **Context value** (`TripsController.scala:21`, the `ExecutionContext`) becomes `given`.\n\n"
    "Since you're on 2.13, you can't write `given` yet. The `implicit val`s keep working in Scala 3 "
    "during a migration, so start with the conversion.",
    "scala", "play",
)

single(
    "Any unsafePerformIO in our Haskell code?",
    "grep_search", {"query": "unsafePerformIO|NOINLINE"},
    D("""
        src/Config.hs:21:{-# NOINLINE globalConfig #-}
        src/Config.hs:22:globalConfig = unsafePerformIO loadConfigFromEnv
    """),
    "Just one, in `src/Config.hs`:\n\n```haskell\n{-# NOINLINE globalConfig #-}\nglobalConfig = unsafePerformIO loadConfigFromEnv\n```\n\n"
    "It's the well-known \"global constant from IO\" trick, and the `NOINLINE` pragma is there, which is "
    "what keeps GHC from running the action more than once. It works, but tests can't swap the config, "
    "and the environment is read lazily at first use instead of at startup. The cleaner pattern is to "
    "load the config in `main` and pass it down, for example through a `ReaderT Config IO` app monad.",
    "haskell", None,
)

single(
    "Where do we publish the order.shipped event?",
    "grep_search", {"query": r"order\.shipped|ORDER_SHIPPED"},
    D("""
        services/fulfillment/src/events.ts:5:export const ORDER_SHIPPED = 'order.shipped' as const
        services/fulfillment/src/shipments/markShipped.ts:38:  await bus.publish(ORDER_SHIPPED, { orderId, carrier, trackingNumber })
        services/notifications/src/subscribers.ts:17:bus.subscribe('order.shipped', sendShippingEmail)
        services/analytics/src/consumers/orders.ts:9:  'order.shipped': trackShipment,
    """),
    "It's **published** in one place: `services/fulfillment/src/shipments/markShipped.ts:38`, with "
    "payload `{ orderId, carrier, trackingNumber }`. The name constant `ORDER_SHIPPED` is defined in "
    "`services/fulfillment/src/events.ts:5`.\n\nThere are two **subscribers**:\n"
    "- `services/notifications/src/subscribers.ts:17`: `sendShippingEmail`\n"
    "- `services/analytics/src/consumers/orders.ts:9`: `trackShipment`\n\n"
    "Both consumers use the raw string `'order.shipped'` instead of the constant, so a rename in "
    "`events.ts` would silently break them. A shared events package would prevent that.",
    "typescript", "nodejs",
)

single(
    "find all the Future.delayed calls in the dart code",
    "grep_search", {"query": r"Future\.delayed"},
    D("""
        lib/features/feed/feed_controller.dart:64:    await Future.delayed(const Duration(milliseconds: 300));
        lib/features/auth/sign_in_screen.dart:88:      Future.delayed(const Duration(seconds: 2), () => context.go('/feed'));
        test/feed_controller_test.dart:40:    await Future.delayed(Duration.zero);
    """),
    "Three calls:\n\n"
    "1. `lib/features/feed/feed_controller.dart:64`: a 300 ms wait, likely a hand-rolled debounce "
    "or a delay so a loading state is visible. A `Timer` you can cancel is usually better for debouncing.\n"
    "2. **`lib/features/auth/sign_in_screen.dart:88`**: navigates with `context.go` after 2 seconds. If "
    "the widget is disposed in that time (the user leaves or signs in again), it uses a stale "
    "`BuildContext`. Check `if (!context.mounted) return;` inside the callback.\n"
    "3. `test/feed_controller_test.dart:40`: `Duration.zero` to let pending microtasks run, a normal test idiom.",
    "dart", "flutter",
)

single(
    "where's ProcessPaymentAsync defined, and who calls it?",
    "grep_search", {"query": "ProcessPaymentAsync"},
    D("""
        src/Billing/Payments/IPaymentProcessor.cs:9:    Task<PaymentResult> ProcessPaymentAsync(PaymentRequest request, CancellationToken ct = default);
        src/Billing/Payments/StripePaymentProcessor.cs:31:    public async Task<PaymentResult> ProcessPaymentAsync(PaymentRequest request, CancellationToken ct = default)
        src/Billing/Payments/FakePaymentProcessor.cs:12:    public Task<PaymentResult> ProcessPaymentAsync(PaymentRequest request, CancellationToken ct = default)
        src/Billing/Checkout/CheckoutService.cs:74:        var result = await _payments.ProcessPaymentAsync(request, ct);
        tests/Billing.Tests/CheckoutServiceTests.cs:58:        _payments.Verify(p => p.ProcessPaymentAsync(It.IsAny<PaymentRequest>(), It.IsAny<CancellationToken>()), Times.Once);
    """),
    "**Declared** on the interface `IPaymentProcessor` (`src/Billing/Payments/IPaymentProcessor.cs:9`), "
    "with two **implementations**:\n"
    "- `StripePaymentProcessor.cs:31`: the real one (async)\n"
    "- `FakePaymentProcessor.cs:12`: a fake, probably used in development or tests\n\n"
    "**Called** from one production place, `src/Billing/Checkout/CheckoutService.cs:74`, via the injected "
    "`_payments`. `CheckoutServiceTests.cs:58` verifies with Moq that it's called exactly once.",
    "csharp", "aspnet_core",
)

single(
    "Show me every place that uses v-html in our Vue templates",
    "grep_search", {"query": r"v-html="},
    D("""
        src/components/ProductDescription.vue:4:  <div class="prose" v-html="product.descriptionHtml" />
        src/components/SearchResult.vue:11:      <span v-html="highlight(result.title, query)" />
    """),
    "Two uses:\n\n"
    "1. `src/components/ProductDescription.vue:4`: `product.descriptionHtml`. Safe only if that HTML is "
    "sanitised on the server or written only by trusted staff.\n"
    "2. **`src/components/SearchResult.vue:11`**: `highlight(result.title, query)`. This is the risky one: "
    "if `highlight` wraps matches in `<mark>` without escaping the rest of the title *and the query*, a "
    "search for `<img src=x onerror=alert(1)>` becomes reflected XSS. Make `highlight` HTML-escape both "
    "inputs before inserting `<mark>`, or render the highlighted pieces as text nodes in the template "
    "without `v-html`.",
    "typescript", "vue",
)

single(
    "Find the @Cacheable annotations and which cache names they use",
    "grep_search", {"query": r"@Cacheable\("},
    D("""
        src/main/java/com/shopline/catalog/ProductQueryService.java:27:    @Cacheable(cacheNames = "products", key = "#id")
        src/main/java/com/shopline/catalog/ProductQueryService.java:35:    @Cacheable(cacheNames = "productsByCategory", key = "#categoryId + ':' + #page")
        src/main/java/com/shopline/pricing/TaxRateService.java:19:    @Cacheable("taxRates")
    """),
    "Three cached methods using three caches:\n\n"
    "| Cache | Where | Key |\n|---|---|---|\n"
    "| `products` | `ProductQueryService.java:27` | `#id` |\n"
    "| `productsByCategory` | `ProductQueryService.java:35` | `categoryId:page` |\n"
    "| `taxRates` | `TaxRateService.java:19` | default: all method arguments |\n\n"
    "Check that product updates evict both `products` **and** `productsByCategory` "
    "(`@CacheEvict(cacheNames = \"productsByCategory\", allEntries = true)`). Otherwise category pages can "
    "show stale prices after an edit. Also note that `@Cacheable` only applies to calls from *other* "
    "beans; a call from inside the same class bypasses the proxy.",
    "java", "spring_boot",
)


# ==== single calls: file_glob_search =============================================================

single(
    "How many conftest.py files does this repo have, and where?",
    "file_glob_search", {"pattern": "**/conftest.py"},
    D("""
        conftest.py
        tests/conftest.py
        tests/api/conftest.py
        tests/integration/conftest.py
    """),
    "There are **4** `conftest.py` files:\n\n"
    "- `conftest.py` (repo root): applies to everything, often plugin setup or `sys.path` tweaks\n"
    "- `tests/conftest.py`: shared fixtures for the whole test suite\n"
    "- `tests/api/conftest.py`: fixtures only for the API tests\n"
    "- `tests/integration/conftest.py`: fixtures only for the integration tests\n\n"
    "Fixtures in a deeper file can override ones with the same name higher up, so when a fixture behaves "
    "unexpectedly in `tests/api`, check that file first.",
    "python", "pytest",
)

single(
    "find the Go test files under internal/",
    "file_glob_search", {"pattern": "internal/**/*_test.go"},
    D("""
        internal/cache/lru_test.go
        internal/http/handlers/orders_test.go
        internal/http/middleware/audit_test.go
        internal/ingest/reader_test.go
        internal/scheduler/cron_test.go
        internal/store/payout_test.go
    """),
    "Six test files under `internal/`:\n\n"
    "- `cache/lru_test.go`\n- `http/handlers/orders_test.go`\n- `http/middleware/audit_test.go`\n"
    "- `ingest/reader_test.go`\n- `scheduler/cron_test.go`\n- `store/payout_test.go`\n\n"
    "Packages like `internal/notify` have no tests at all. Run them all with `go test ./internal/...`.",
    "go", None,
)

single(
    "Where are the protobuf definitions?",
    "file_glob_search", {"pattern": "**/*.proto"},
    D("""
        proto/billing/v1/billing.proto
        proto/billing/v1/invoice.proto
        proto/common/v1/money.proto
        proto/shipping/v1/shipping.proto
        third_party/google/api/annotations.proto
    """),
    "The `.proto` files live under `proto/`, versioned per package:\n\n"
    "- `proto/billing/v1/`: `billing.proto`, `invoice.proto`\n"
    "- `proto/common/v1/money.proto`: a shared `Money` type\n"
    "- `proto/shipping/v1/shipping.proto`\n\n"
    "`third_party/google/api/annotations.proto` is a vendored Google file (for HTTP annotations and "
    "grpc-gateway), so don't edit it.",
    None, "grpc",
)

single(
    "We've got OpenAPI specs scattered around. Find them — they're named openapi-something.yaml I think.",
    "file_glob_search", {"pattern": "**/openapi*.yaml"},
    D("""
        services/accounts/openapi.yaml
        services/billing/openapi.v2.yaml
        services/billing/openapi.v1.yaml
        docs/public/openapi-partner.yaml
    """),
    "Four specs:\n\n"
    "- `services/accounts/openapi.yaml`\n- `services/billing/openapi.v1.yaml` and `openapi.v2.yaml`: "
    "billing keeps both API versions\n- `docs/public/openapi-partner.yaml`: the partner-facing spec\n\n"
    "If some specs use the `.yml` extension or JSON, they won't be in this list; search with "
    "`**/openapi*.{yml,json}` to be sure.",
    None, None,
)

single(
    "Which stories do we have for Storybook?",
    "file_glob_search", {"pattern": "**/*.stories.tsx"},
    D("""
        src/components/Button/Button.stories.tsx
        src/components/DatePicker/DatePicker.stories.tsx
        src/components/Modal/Modal.stories.tsx
        src/components/Toast/Toast.stories.tsx
        src/features/checkout/PaymentForm.stories.tsx
    """),
    "Five story files:\n\n"
    "- `Button`, `DatePicker`, `Modal` and `Toast` under `src/components/`\n"
    "- `PaymentForm` under `src/features/checkout/`, the only feature-level component with stories\n\n"
    "If some stories are written in MDX or `.stories.ts`, they aren't included here.",
    "typescript", "react",
)

single(
    "list every Cargo.toml in this workspace",
    "file_glob_search", {"pattern": "**/Cargo.toml"},
    D("""
        Cargo.toml
        crates/lexi/Cargo.toml
        crates/lexi-cli/Cargo.toml
        crates/lexi-lsp/Cargo.toml
        crates/lexi-macros/Cargo.toml
        crates/lexi-testutil/Cargo.toml
        xtask/Cargo.toml
    """),
    "Seven manifests: the workspace root `Cargo.toml`, five crates under `crates/` (`lexi`, `lexi-cli`, "
    "`lexi-lsp`, `lexi-macros`, `lexi-testutil`), and `xtask/Cargo.toml`, the cargo-xtask pattern for "
    "build scripts written in Rust (`cargo xtask ...`).",
    "rust", None,
)

single(
    "Where do the Jest snapshot files live?",
    "file_glob_search", {"pattern": "**/__snapshots__/*.snap"},
    D("""
        src/components/Button/__snapshots__/Button.test.tsx.snap
        src/components/Invoice/__snapshots__/InvoiceRow.test.tsx.snap
        src/emails/__snapshots__/receipt.test.ts.snap
    """),
    "Three snapshot files, each in a `__snapshots__` folder next to its test:\n\n"
    "- `src/components/Button/__snapshots__/Button.test.tsx.snap`\n"
    "- `src/components/Invoice/__snapshots__/InvoiceRow.test.tsx.snap`\n"
    "- `src/emails/__snapshots__/receipt.test.ts.snap`\n\n"
    "If a snapshot is out of date after an intended change, update just that test with "
    "`npx jest src/emails -u`.",
    "typescript", "jest",
)

single(
    "find all our custom rake tasks",
    "file_glob_search", {"pattern": "lib/tasks/**/*.rake"},
    D("""
        lib/tasks/cleanup.rake
        lib/tasks/data/backfill_invoice_numbers.rake
        lib/tasks/data/normalize_phone_numbers.rake
        lib/tasks/dev.rake
        lib/tasks/search.rake
    """),
    "Five rake files in `lib/tasks/`:\n\n"
    "- `cleanup.rake`\n- `dev.rake`: likely development helpers such as seeding\n- `search.rake`: probably "
    "index maintenance\n- `data/backfill_invoice_numbers.rake` and `data/normalize_phone_numbers.rake`: "
    "one-off data fixes\n\n"
    "To see the actual task names and descriptions, run `bin/rails -T`.",
    "ruby", "rails",
)

single(
    "Which ViewModels exist in the Android app?",
    "file_glob_search", {"pattern": "**/*ViewModel.kt"},
    D("""
        app/src/main/java/com/tindr/chat/ChatViewModel.kt
        app/src/main/java/com/tindr/profile/ProfileViewModel.kt
        app/src/main/java/com/tindr/discover/DiscoverViewModel.kt
        feature/checkout/src/main/java/com/tindr/checkout/CheckoutViewModel.kt
        feature/settings/src/main/java/com/tindr/settings/SettingsViewModel.kt
    """),
    "Five ViewModels:\n\n"
    "- In `app`: `ChatViewModel`, `ProfileViewModel`, `DiscoverViewModel`\n"
    "- In feature modules: `CheckoutViewModel` (`feature/checkout`) and `SettingsViewModel` "
    "(`feature/settings`)\n\n"
    "Chat, profile and discover haven't been moved into feature modules yet.",
    "kotlin", "android",
)

single(
    "Find the XCTest files for the package",
    "file_glob_search", {"pattern": "Tests/**/*Tests.swift"},
    D("""
        Tests/TripKitTests/APIClientTests.swift
        Tests/TripKitTests/ItineraryTests.swift
        Tests/TripKitTests/RoutePlannerTests.swift
    """),
    "Three test files, all in the `TripKitTests` target: `APIClientTests.swift`, `ItineraryTests.swift` "
    "and `RoutePlannerTests.swift`. Nothing tests `TravelTimeEstimator` or `TokenStore` directly. Run "
    "them with `swift test`.",
    "swift", None,
)

single(
    "How many docker compose files are there? I keep finding new ones.",
    "file_glob_search", {"pattern": "**/docker-compose*.y*ml"},
    D("""
        docker-compose.yml
        docker-compose.override.yml
        docker-compose.ci.yml
        services/billing/docker-compose.yml
        tools/observability/docker-compose.grafana.yaml
    """),
    "Five compose files:\n\n"
    "1. `docker-compose.yml`: the main one\n"
    "2. `docker-compose.override.yml`: **merged in automatically** by `docker compose up` from the root, "
    "which is often why local behaviour differs from what the main file says\n"
    "3. `docker-compose.ci.yml`: used in CI with `-f`\n"
    "4. `services/billing/docker-compose.yml`: a separate stack for the billing service\n"
    "5. `tools/observability/docker-compose.grafana.yaml`: Grafana and friends (note the `.yaml` extension)\n\n"
    "Newer Compose also picks up `compose.yaml`, but there are no files with that name here.",
    None, "docker",
)

single(
    "Find all the Terraform files under infra/",
    "file_glob_search", {"pattern": "infra/**/*.tf"},
    D("""
        infra/envs/prod/main.tf
        infra/envs/prod/variables.tf
        infra/envs/prod/backend.tf
        infra/envs/staging/main.tf
        infra/envs/staging/variables.tf
        infra/envs/staging/backend.tf
        infra/modules/ecs-service/main.tf
        infra/modules/ecs-service/variables.tf
        infra/modules/ecs-service/outputs.tf
        infra/modules/rds/main.tf
        infra/modules/rds/variables.tf
    """),
    "11 `.tf` files in two groups:\n\n"
    "- **Environments** (`infra/envs/`): `prod` and `staging`, each with `main.tf`, `variables.tf` and "
    "`backend.tf` (separate state per environment)\n"
    "- **Modules** (`infra/modules/`): `ecs-service` (main/variables/outputs) and `rds` (main/variables; no "
    "`outputs.tf`, so nothing from it can be referenced outside the module yet)\n\n"
    "There are no `.tfvars` in the list; variables may be passed via CI or a `*.auto.tfvars` that's gitignored.",
    None, "terraform",
)

single(
    "find every LiveView module (the *_live.ex files)",
    "file_glob_search", {"pattern": "lib/**/*_live.ex"},
    D("""
        lib/ledger_web/live/account_live.ex
        lib/ledger_web/live/dashboard_live.ex
        lib/ledger_web/live/entries/entry_list_live.ex
        lib/ledger_web/live/entries/entry_form_live.ex
    """),
    "Four LiveViews in `lib/ledger_web/live/`: `account_live.ex`, `dashboard_live.ex`, and under "
    "`entries/` `entry_list_live.ex` and `entry_form_live.ex`. Newer Phoenix generators name files like "
    "`index.ex`/`show.ex` in a folder instead; if the project mixes styles, `lib/ledger_web/live/**/*.ex` "
    "would show those too.",
    "elixir", "phoenix",
)

single(
    "Which Angular components have spec files?",
    "file_glob_search", {"pattern": "src/app/**/*.component.spec.ts"},
    D("""
        src/app/features/billing/invoice-list/invoice-list.component.spec.ts
        src/app/features/dashboard/dashboard.component.spec.ts
        src/app/shared/ui/badge/badge.component.spec.ts
    """),
    "Only three components have specs:\n\n"
    "- `features/billing/invoice-list/invoice-list.component.spec.ts`\n"
    "- `features/dashboard/dashboard.component.spec.ts`\n"
    "- `shared/ui/badge/badge.component.spec.ts`\n\n"
    "`invoice-detail` and `settings/profile`, for example, have none.",
    "typescript", "angular",
)

single(
    "glob for every shell script in the repo",
    "file_glob_search", {"pattern": "**/*.sh"},
    D("""
        docker/entrypoint.sh
        ops/rotate-logs.sh
        scripts/bootstrap.sh
        scripts/db-dump.sh
        scripts/smoke-test.sh
        scripts/wait-for-port.sh
    """),
    "Six `.sh` files:\n\n- `docker/entrypoint.sh`\n- `ops/rotate-logs.sh`\n"
    "- `scripts/bootstrap.sh`, `scripts/db-dump.sh`, `scripts/smoke-test.sh`, `scripts/wait-for-port.sh`\n\n"
    "Scripts without a `.sh` extension (git hooks, for example) aren't matched; a search for `^#!` "
    "would find those too.",
    "bash", None,
)

single(
    "Find all package.json files in the monorepo",
    "file_glob_search", {"pattern": "**/package.json"},
    D("""
        package.json
        apps/admin/package.json
        apps/storefront/package.json
        packages/config-eslint/package.json
        packages/ui/package.json
        packages/utils/package.json
    """),
    "Six `package.json` files (Continue's search skips `node_modules`):\n\n"
    "- the workspace root\n- **apps**: `apps/admin`, `apps/storefront`\n"
    "- **packages**: `packages/config-eslint`, `packages/ui`, `packages/utils`\n\n"
    "So it's two applications sharing three internal packages.",
    "typescript", None,
)

single(
    "Where are the GraphQL schema files?",
    "file_glob_search", {"pattern": "**/*.graphql"},
    D("""
        schema/schema.graphql
        schema/types/order.graphql
        schema/types/product.graphql
        schema/types/customer.graphql
        src/queries/checkout.graphql
    """),
    "The schema lives under `schema/`: `schema.graphql` as the root, plus `order.graphql`, `product.graphql` "
    "and `customer.graphql` in `schema/types/`. `src/queries/checkout.graphql` isn't part of the schema; "
    "it's a client-side operation file, probably used by codegen. If some files use `.gql`, search for "
    "that extension too.",
    None, "graphql",
)

single(
    "list the JUnit test classes",
    "file_glob_search", {"pattern": "src/test/java/**/*Test.java"},
    D("""
        src/test/java/com/shopline/orders/OrderServiceTest.java
        src/test/java/com/shopline/orders/OrderMapperTest.java
        src/test/java/com/shopline/catalog/ProductQueryServiceTest.java
        src/test/java/com/shopline/pricing/TaxRateServiceTest.java
    """),
    "Four test classes:\n\n- `orders/OrderServiceTest`, `orders/OrderMapperTest`\n"
    "- `catalog/ProductQueryServiceTest`\n- `pricing/TaxRateServiceTest`\n\n"
    "Integration tests named `*IT.java` (Failsafe's convention) wouldn't match `*Test.java`; search "
    "for those separately if you use them.",
    "java", "spring_boot",
)

single(
    "find the model factories in this Laravel app",
    "file_glob_search", {"pattern": "database/factories/*.php"},
    D("""
        database/factories/InvoiceFactory.php
        database/factories/InvoiceLineFactory.php
        database/factories/ProjectFactory.php
        database/factories/TeamFactory.php
        database/factories/UserFactory.php
    """),
    "Five factories: `InvoiceFactory`, `InvoiceLineFactory`, `ProjectFactory`, `TeamFactory` and "
    "`UserFactory`. Compared with `app/Models`, there's no `MembershipFactory`, so tests probably attach "
    "users to teams with `->hasAttached()` or create memberships by hand.",
    "php", "laravel",
)

single(
    "Find all the Haskell modules under src",
    "file_glob_search", {"pattern": "src/**/*.hs"},
    D("""
        src/Config.hs
        src/Eval.hs
        src/Parser.hs
        src/Pretty.hs
        src/Syntax.hs
        src/Typecheck/Infer.hs
        src/Typecheck/Unify.hs
    """),
    "Seven modules:\n\n- `Syntax` (the AST), `Parser`, `Pretty`, `Eval`, `Config`\n"
    "- `Typecheck/Infer.hs` and `Typecheck/Unify.hs`, i.e. `Typecheck.Infer` and `Typecheck.Unify`, "
    "which looks like Hindley–Milner style inference\n\n"
    "They should all appear under `exposed-modules` or `other-modules` in the `.cabal` file. GHC only "
    "warns about a missing one when it's imported, and then the build fails.",
    "haskell", None,
)

single(
    "which dart test files are there?",
    "file_glob_search", {"pattern": "test/**/*_test.dart"},
    D("""
        test/feed_controller_test.dart
        test/auth_repository_test.dart
        test/widgets/retry_button_test.dart
        test/widgets/post_card_test.dart
    """),
    "Four test files: two unit tests (`feed_controller_test.dart`, `auth_repository_test.dart`) and two "
    "widget tests in `test/widgets/` (`retry_button_test.dart`, `post_card_test.dart`). Run them with "
    "`flutter test`. Integration tests would live in `integration_test/`, which this pattern doesn't cover.",
    "dart", "flutter",
)

single(
    "find all scala sources in the core module",
    "file_glob_search", {"pattern": "modules/core/**/*.scala"},
    D("""
        modules/core/src/main/scala/com/fleetly/core/Fleet.scala
        modules/core/src/main/scala/com/fleetly/core/Vehicle.scala
        modules/core/src/main/scala/com/fleetly/core/Routing.scala
        modules/core/src/test/scala/com/fleetly/core/RoutingSpec.scala
    """),
    "`modules/core` has three main sources, `Fleet.scala`, `Vehicle.scala` and `Routing.scala` (all in "
    "`com.fleetly.core`), and one test, `RoutingSpec.scala`. `Fleet` and `Vehicle` have no specs.",
    "scala", None,
)


# ==== single calls: run_terminal_command =========================================================

single(
    "Type-check the project without emitting anything",
    "run_terminal_command", {"command": "npx tsc --noEmit"},
    D("""
        src/api/client.ts:118:5 - error TS2322: Type 'Page<Invoice>' is not assignable to type 'Invoice[]'.

        118     return this.listInvoices(customerId, { limit })
                ~~~~~~

        src/pages/Billing.tsx:40:24 - error TS2339: Property 'map' does not exist on type 'Page<Invoice>'.

        40   const rows = invoices.map((inv) => <InvoiceRow key={inv.id} invoice={inv} />)
                                  ~~~


        Found 2 errors in 2 files.

        Errors  Files
             1  src/api/client.ts:118
             1  src/pages/Billing.tsx:40
    """),
    "`tsc` found **2 errors**, both caused by `listInvoices` now returning `Page<Invoice>` instead of an array:\n\n"
    "1. `src/api/client.ts:118`: a function declared to return `Invoice[]` returns `listInvoices(...)`. "
    "Return `.items` (or whatever the page's array field is called), or change the declared return type.\n"
    "2. `src/pages/Billing.tsx:40`: `invoices.map` on a page object. Use `invoices.items.map(...)`.\n\n"
    "Fix those two and the project type-checks.",
    "typescript", "react",
)

single(
    "Lint src with eslint please",
    "run_terminal_command", {"command": "npx eslint src"},
    D("""
        /home/dev/storefront/src/features/search/SearchBar.jsx
          14:9   warning  'setOpen' is assigned a value but never used     no-unused-vars
          27:6   warning  React Hook useEffect has a missing dependency: 'query'. Either include it or remove the dependency array  react-hooks/exhaustive-deps

        /home/dev/storefront/src/utils/object.js
          9:3  error  Unexpected console statement  no-console

        ✖ 3 problems (1 error, 2 warnings)
    """),
    "ESLint reports **1 error and 2 warnings**:\n\n"
    "- **Error**: `src/utils/object.js:9`: a `console` statement (`no-console`). Remove it or use the "
    "project's logger.\n"
    "- Warning: `SearchBar.jsx:14`: `setOpen` is never used. Either the open/close logic is unfinished or "
    "the state can go.\n"
    "- Warning: `SearchBar.jsx:27`: `useEffect` reads `query` but doesn't list it as a dependency, so the "
    "effect keeps the initial `query`. Add it to the array unless you deliberately want it to run once.\n\n"
    "The error makes `eslint` exit non-zero, so CI would fail on this.",
    "javascript", "react",
)

single(
    "run go vet on everything",
    "run_terminal_command", {"command": "go vet ./..."},
    D("""
        # example.com/ledger/internal/notify
        internal/notify/fanout.go:41:4: loop variable sub captured by func literal
        # example.com/ledger/internal/http/middleware
        internal/http/middleware/audit.go:35:17: call has possible Printf formatting directive %d
    """),
    "`go vet` flags two things:\n\n"
    "1. `internal/notify/fanout.go:41`: **loop variable `sub` captured by a func literal.** Before Go 1.22 "
    "every goroutine would see the same (last) subscriber. If `go.mod` says `go 1.22` or newer, each "
    "iteration gets its own variable and this is a false alarm from an older vet. Otherwise pass `sub` as "
    "an argument to the goroutine.\n"
    "2. `internal/http/middleware/audit.go:35`: a `Println`/`Print`-style call containing `%d`. Use the "
    "`f` variant (`Printf`, `Errorf`), or the verb is printed literally.",
    "go", None,
)

single(
    "check formatting with cargo fmt, don't change any files",
    "run_terminal_command", {"command": "cargo fmt --all -- --check"},
    D("""
        Diff in /home/dev/lexi/crates/lexi/src/intern.rs at line 30:
             pub fn intern(&mut self, s: &str) -> Symbol {
        -        if let Some(&sym) = self.map.get(s) { return sym; }
        +        if let Some(&sym) = self.map.get(s) {
        +            return sym;
        +        }
                 let bytes = self.arena.alloc_str(s);

        Command exited with code 1
    """),
    "One file isn't formatted: `crates/lexi/src/intern.rs` around line 30, where rustfmt wants the "
    "one-line `if let ... { return sym; }` spread over three lines. Nothing was changed because of "
    "`--check`. Run `cargo fmt --all` to apply it; everything else in the workspace is formatted.",
    "rust", None,
)

single(
    "Run mypy on the app package",
    "run_terminal_command", {"command": "mypy app"},
    D("""
        app/services/pricing.py:44: error: Argument 1 to "apply_discount" has incompatible type "float"; expected "Decimal"  [arg-type]
        app/routers/files.py:52: error: Item "None" of "Optional[str]" has no attribute "lower"  [union-attr]
        app/models.py:18: note: By default the bodies of untyped functions are not checked, consider using --check-untyped-defs  [annotation-unchecked]
        Found 2 errors in 2 files (checked 41 source files)
    """),
    "mypy checked 41 files and found **2 errors**:\n\n"
    "1. `app/services/pricing.py:44`: passes a `float` to `apply_discount`, which expects `Decimal`. "
    "For money, convert at the boundary (`Decimal(str(value))`) or keep it `Decimal` throughout.\n"
    "2. `app/routers/files.py:52`: `.lower()` on an `Optional[str]`. It's probably `file.filename`, which "
    "can be `None` for `UploadFile`. Guard it: `(file.filename or \"\").lower()`.\n\n"
    "The note about `app/models.py:18` means some functions have no annotations, so mypy isn't checking "
    "their bodies. Add `--check-untyped-defs` if you want them covered.",
    "python", "fastapi",
)

single(
    "run rubocop just on app/services",
    "run_terminal_command", {"command": "bundle exec rubocop app/services"},
    D("""
        Inspecting 14 files
        ....C.....W...

        Offenses:

        app/services/billing/charge_customer.rb:12:3: C: Metrics/MethodLength: Method has too many lines. [24/15]
          def call ...
          ^^^^^^^^
        app/services/exports/csv_export.rb:30:7: W: Lint/UselessAssignment: Useless assignment to variable - headers.
              headers = columns.map(&:humanize)
              ^^^^^^^

        14 files inspected, 2 offenses detected
    """),
    "RuboCop inspected 14 files and found **2 offenses**:\n\n"
    "- `app/services/billing/charge_customer.rb:12` (convention): `call` is 24 lines against a limit "
    "of 15. Extracting the retry/notification branches into private methods would fix it.\n"
    "- `app/services/exports/csv_export.rb:30` (**warning**): `headers` is assigned but never used. That "
    "usually means the CSV is written *without* the header row you meant to add. Check whether `headers` "
    "should be passed to `CSV.generate` or written as the first row.\n\n"
    "The second one looks like a real bug, not just style.",
    "ruby", "rails",
)

single(
    "what's the state of my working tree? short format",
    "run_terminal_command", {"command": "git status --short --branch"},
    D("""
        ## feature/invoice-pdf...origin/feature/invoice-pdf [ahead 2]
         M app/api/invoices.py
         M app/services/pdf_renderer.py
        A  app/templates/invoice.html
        ?? tmp/render-debug.pdf
    """),
    "You're on **`feature/invoice-pdf`**, **2 commits ahead** of `origin/feature/invoice-pdf`, so they "
    "haven't been pushed yet.\n\n"
    "- Modified, not staged: `app/api/invoices.py`, `app/services/pdf_renderer.py`\n"
    "- Staged (new file): `app/templates/invoice.html`\n"
    "- Untracked: `tmp/render-debug.pdf`, probably a debug artefact. Add `tmp/` to `.gitignore` rather "
    "than committing it.",
    "python", "flask",
)

single(
    "show me which containers are running right now",
    "run_terminal_command", {"command": "docker ps --format 'table {{.Names}}\\t{{.Image}}\\t{{.Status}}\\t{{.Ports}}'"},
    D("""
        NAMES                IMAGE                STATUS                    PORTS
        shop-postgres-1      postgres:16-alpine   Up 3 hours (healthy)      0.0.0.0:5432->5432/tcp
        shop-redis-1         redis:7-alpine       Up 3 hours (healthy)      0.0.0.0:6379->6379/tcp
        shop-mailpit-1       axllent/mailpit      Up 3 hours                0.0.0.0:1025->1025/tcp, 0.0.0.0:8025->8025/tcp
        shop-worker-1        shop-worker          Restarting (1) 12 seconds ago
    """),
    "Four containers from the `shop` compose project:\n\n"
    "| Container | Image | Status |\n|---|---|---|\n"
    "| `shop-postgres-1` | postgres:16-alpine | up 3 h, healthy, port 5432 |\n"
    "| `shop-redis-1` | redis:7-alpine | up 3 h, healthy, port 6379 |\n"
    "| `shop-mailpit-1` | mailpit | up 3 h; web UI on http://localhost:8025 |\n"
    "| `shop-worker-1` | shop-worker | **restarting: it keeps crashing (exit code 1)** |\n\n"
    "The worker is in a crash loop. `docker logs --tail 50 shop-worker-1` will show why.",
    None, "docker",
)

single(
    "Fire up the Django dev server on 0.0.0.0:8000 in the background",
    "run_terminal_command", {"command": "python manage.py runserver 0.0.0.0:8000", "waitForCompletion": False},
    D("""
        Watching for file changes with StatReloader
        Performing system checks...

        System check identified no issues (0 silenced).
        June 14, 2024 - 10:21:07
        Django version 5.0.6, using settings 'config.settings.local'
        Starting development server at http://0.0.0.0:8000/
        Quit the server with CONTROL-C.
    """),
    "The dev server is running in the background on **http://0.0.0.0:8000/** (Django 5.0.6, settings "
    "`config.settings.local`). System checks passed and the auto-reloader is watching for file changes. "
    "Binding to `0.0.0.0` makes it reachable from other devices on your network, so you may need "
    "to add your LAN IP to `ALLOWED_HOSTS`.",
    "python", "django",
)

single(
    "start vite build in watch mode, keep it running in the background",
    "run_terminal_command", {"command": "npx vite build --watch", "waitForCompletion": False},
    D("""
        vite v5.2.11 building for production...

        watching for file changes...

        build started...
        ✓ 412 modules transformed.
        dist/index.html                   0.62 kB │ gzip:  0.38 kB
        dist/assets/index-Cm1x9k2D.css   18.40 kB │ gzip:  4.51 kB
        dist/assets/index-B8wqT3lf.js   246.93 kB │ gzip: 79.02 kB
        built in 2841ms.
    """),
    "Vite is running in watch mode in the background. The first build finished in about 2.8 s (412 "
    "modules), giving a 247 kB JS bundle (79 kB gzipped) and 18 kB of CSS in `dist/`. It rebuilds "
    "whenever a source file changes. This is a production build, so there's no hot reload; use "
    "`npm run dev` if you want HMR.",
    "typescript", "vite",
)

single(
    "Run the Flutter tests",
    "run_terminal_command", {"command": "flutter test"},
    D("""
        00:04 +9: /home/dev/app/test/widgets/post_card_test.dart: PostCard shows like count
        00:05 +9 -1: /home/dev/app/test/widgets/post_card_test.dart: PostCard truncates long captions [E]
          Expected: exactly one matching candidate
            Actual: _TextWidgetFinder:<Found 0 widgets with text "Read more": []>
             Which: means none were found but one was expected

          When the exception was thrown, this was the stack:
          #4      main.<anonymous closure> (file:///home/dev/app/test/widgets/post_card_test.dart:48:7)

        00:06 +11 -1: Some tests failed.
    """),
    "11 tests passed and **1 failed**: `PostCard truncates long captions` in "
    "`test/widgets/post_card_test.dart:48`. The test expects a **\"Read more\"** text widget but none was "
    "rendered. Either the caption in the test isn't long enough to trigger truncation anymore, or the "
    "widget's label changed (e.g. to \"More\" or an icon). Compare the test's caption length with the "
    "truncation threshold in `post_card.dart`.",
    "dart", "flutter",
)

single(
    "dart analyze the whole project",
    "run_terminal_command", {"command": "dart analyze"},
    D("""
        Analyzing app...

           info - lib/features/feed/feed_controller.dart:22:9 - The private field _page could be 'final'. - prefer_final_fields
        warning - lib/features/auth/sign_in_screen.dart:88:56 - Don't use 'BuildContext's across async gaps. - use_build_context_synchronously
           info - lib/core/api_client.dart:5:8 - Unused import: 'dart:convert'. - unused_import

        3 issues found.
    """),
    "3 issues, one of them important:\n\n"
    "- **Warning**: `sign_in_screen.dart:88`: `BuildContext` used across an async gap "
    "(`use_build_context_synchronously`). That's the `Future.delayed(...)` followed by `context.go`. "
    "Add `if (!context.mounted) return;` before navigating.\n"
    "- Info: `feed_controller.dart:22`: `_page` is never reassigned, so it can be `final`. Check that too, "
    "because a pagination counter that's never reassigned means pagination may not be advancing.\n"
    "- Info: `api_client.dart:5`: unused `dart:convert` import.",
    "dart", "flutter",
)

single(
    "List the admin routes in the Laravel app",
    "run_terminal_command", {"command": "php artisan route:list --path=admin"},
    D("""
          GET|HEAD   admin/teams ................. admin.teams.index › Admin\\TeamController@index
          GET|HEAD   admin/teams/{team} .......... admin.teams.show › Admin\\TeamController@show
          DELETE     admin/teams/{team} .......... admin.teams.destroy › Admin\\TeamController@destroy
          POST       admin/impersonate/{user} .... admin.impersonate › Admin\\ImpersonationController@start
          GET|HEAD   admin/reports/revenue ....... admin.reports.revenue › Admin\\ReportController@revenue

                                                                          Showing [5] routes
    """),
    "Five admin routes:\n\n"
    "| Method | URI | Action |\n|---|---|---|\n"
    "| GET | `admin/teams` | `TeamController@index` |\n| GET | `admin/teams/{team}` | `TeamController@show` |\n"
    "| DELETE | `admin/teams/{team}` | `TeamController@destroy` |\n"
    "| POST | `admin/impersonate/{user}` | `ImpersonationController@start` |\n"
    "| GET | `admin/reports/revenue` | `ReportController@revenue` |\n\n"
    "Add `-v` to see which middleware each route has. Impersonation and team deletion in particular "
    "should be behind an admin-only gate.",
    "php", "laravel",
)

single(
    "Which of our direct composer dependencies are out of date?",
    "run_terminal_command", {"command": "composer outdated --direct"},
    D("""
        Color legend:
        - patch or minor release available - update recommended
        - major release available - update possible

        Direct dependencies required in composer.json:
        guzzlehttp/guzzle        7.8.1  7.9.2  Guzzle is a PHP HTTP client library
        laravel/framework        11.9.2 11.21.0 The Laravel Framework.
        spatie/laravel-permission 5.11.1 6.9.0  Permission handling for Laravel 8.0 and up
        pestphp/pest             2.34.7 2.35.1 The elegant PHP Testing Framework.
    """),
    "Four direct dependencies have updates:\n\n"
    "| Package | Installed | Latest | Kind |\n|---|---|---|---|\n"
    "| `laravel/framework` | 11.9.2 | 11.21.0 | minor |\n| `guzzlehttp/guzzle` | 7.8.1 | 7.9.2 | minor |\n"
    "| `pestphp/pest` | 2.34.7 | 2.35.1 | minor |\n| `spatie/laravel-permission` | 5.11.1 | **6.9.0** | **major** |\n\n"
    "The three minor updates are safe to take with `composer update laravel/framework guzzlehttp/guzzle "
    "pestphp/pest`. `laravel-permission` 6 is a major version, so read its upgrade guide before bumping "
    "it. It changed some method signatures and config keys.",
    "php", "laravel",
)

single(
    "Which installed Python packages have newer versions available?",
    "run_terminal_command", {"command": "pip list --outdated"},
    D("""
        Package         Version Latest  Type
        --------------- ------- ------- -----
        celery          5.3.6   5.4.0   wheel
        Django          5.0.6   5.0.8   wheel
        psycopg         3.1.18  3.2.1   wheel
        requests        2.31.0  2.32.3  wheel
        setuptools      69.5.1  72.1.0  wheel
    """),
    "Five packages are behind:\n\n"
    "- **Django 5.0.6 → 5.0.8**: patch releases with security fixes, so update this first.\n"
    "- **requests 2.31.0 → 2.32.3**: the 2.32 line also includes a security fix (certificate verification "
    "with `Session` and `verify=False`).\n"
    "- celery 5.3.6 → 5.4.0 and psycopg 3.1.18 → 3.2.1: minor versions, low risk, but run the test suite.\n"
    "- setuptools: only a build tool, not an app dependency.\n\n"
    "Make sure `requirements.txt` (or your lockfile) is updated too. `pip install -U` alone won't "
    "persist anywhere.",
    "python", "django",
)

single(
    "Show me which jackson versions Maven is resolving",
    "run_terminal_command", {"command": "mvn -q dependency:tree -Dincludes=com.fasterxml.jackson.core"},
    D("""
        com.shopline:orders-service:jar:1.12.0
        +- org.springframework.boot:spring-boot-starter-web:jar:3.2.5:compile
        |  \\- org.springframework.boot:spring-boot-starter-json:jar:3.2.5:compile
        |     \\- com.fasterxml.jackson.core:jackson-databind:jar:2.15.4:compile
        |        +- com.fasterxml.jackson.core:jackson-annotations:jar:2.15.4:compile
        |        \\- com.fasterxml.jackson.core:jackson-core:jar:2.15.4:compile
        \\- com.acme:legacy-sdk:jar:0.9.1:compile
           \\- (com.fasterxml.jackson.core:jackson-databind:jar:2.12.3:compile - omitted for conflict with 2.15.4)
    """),
    "Maven resolves **Jackson 2.15.4** (`jackson-databind`, `-core` and `-annotations`), coming from "
    "Spring Boot 3.2.5's `spring-boot-starter-json`.\n\n"
    "`com.acme:legacy-sdk:0.9.1` asks for `jackson-databind` **2.12.3**, which was **omitted for conflict**. "
    "Nearest-wins picked 2.15.4 because it's closer to the root. That's usually what you want, but if "
    "`legacy-sdk` relies on 2.12-era behaviour and you see odd serialization errors from it, this is where "
    "to look. Jackson is mostly backward compatible within 2.x, so it's probably fine.",
    "java", "spring_boot",
)

single(
    "what pods are running in the staging namespace?",
    "run_terminal_command", {"command": "kubectl get pods -n staging"},
    D("""
        NAME                              READY   STATUS             RESTARTS        AGE
        api-7c9d8f6b5-2kqzx               1/1     Running            0               2d
        api-7c9d8f6b5-x8wlm               1/1     Running            0               2d
        worker-5f6b7c8d9-hk2pq            0/1     CrashLoopBackOff   14 (3m ago)     51m
        redis-0                           1/1     Running            0               9d
        migrate-28653120-zt4vn            0/1     Completed          0               51m
    """),
    "Five pods in `staging`:\n\n"
    "- `api` ×2: running, 2 days old, no restarts\n- `redis-0`: running for 9 days\n"
    "- `migrate-28653120-...`: a finished migration job (Completed 51 min ago)\n"
    "- **`worker-5f6b7c8d9-hk2pq`: `CrashLoopBackOff`, 14 restarts in 51 minutes**\n\n"
    "The worker started crashing right around when the migration job ran, so the new worker version "
    "probably doesn't match the schema, or it's missing a config value. "
    "`kubectl logs -n staging worker-5f6b7c8d9-hk2pq --previous` will show the last crash.",
    None, "kubernetes",
)

single(
    "Run the Haskell test suite with stack",
    "run_terminal_command", {"command": "stack test"},
    D("""
        minilang> test (suite: minilang-test)

        Parser
          parseExpr
            parses integer literals [✔]
            respects operator precedence [✔]
            handles unary minus [✔]
            rejects trailing garbage [✔]
        Typecheck.Infer
          infers identity as forall a. a -> a [✔]
          rejects self-application [✘]

        Failures:

          test/Typecheck/InferSpec.hs:31:7:
          1) Typecheck.Infer rejects self-application
               expected: Left (OccursCheck "a" (TFun (TVar "a") (TVar "b")))
                but got: Left (OccursCheck "t0" (TFun (TVar "t0") (TVar "t1")))

        6 examples, 1 failure
        minilang> Test suite minilang-test failed
    """),
    "5 of 6 examples pass. The one failure is `Typecheck.Infer rejects self-application` "
    "(`test/Typecheck/InferSpec.hs:31`). The inference is actually *correct*: it fails with an "
    "`OccursCheck`, as intended. Only the **type variable names** differ. The test expects `a`/`b`, but "
    "the inferencer now generates fresh names `t0`/`t1`.\n\n"
    "Make the test independent of naming, e.g. match on the constructor "
    "(`result `shouldSatisfy` isOccursCheck`) or normalise type variables before comparing.",
    "haskell", "hspec",
)

single(
    "check if the elixir code is formatted",
    "run_terminal_command", {"command": "mix format --check-formatted"},
    D("""
        ** (Mix) mix format failed due to --check-formatted.
        The following files are not formatted:

          * lib/ledger/imports.ex
          * test/ledger/imports_test.exs

        Command exited with code 1
    """),
    "Two files aren't formatted: `lib/ledger/imports.ex` and `test/ledger/imports_test.exs`. Everything "
    "else passes. Run `mix format` (or `mix format lib/ledger/imports.ex test/ledger/imports_test.exs`) "
    "to fix them, then the check will go green in CI.",
    "elixir", "phoenix",
)

single(
    "which EF Core migrations have been applied to my local database?",
    "run_terminal_command", {"command": "dotnet ef migrations list --project src/Billing --startup-project src/Api"},
    D("""
        Build started...
        Build succeeded.
        20240302101512_InitialCreate
        20240319084410_AddSubscriptions
        20240402153301_AddInvoiceNumberSequence
        20240611120045_AddDunningLevel (Pending)
    """),
    "Three migrations are applied and **one is pending**:\n\n"
    "1. `20240302101512_InitialCreate` ✓\n2. `20240319084410_AddSubscriptions` ✓\n"
    "3. `20240402153301_AddInvoiceNumberSequence` ✓\n4. `20240611120045_AddDunningLevel`: **pending**\n\n"
    "Apply it with `dotnet ef database update --project src/Billing --startup-project src/Api`. If the "
    "app already expects a `DunningLevel` column, that would explain any \"Invalid column name\" errors "
    "you're seeing locally.",
    "csharp", "ef_core",
)

single(
    "How big is node_modules?",
    "run_terminal_command", {"command": "du -sh node_modules"},
    "1.4G\tnode_modules",
    "`node_modules` takes up **1.4 GB**. To see what's taking the space, "
    "`du -sh node_modules/* | sort -h | tail -15` lists the biggest packages; the usual culprits are "
    "browser binaries (Playwright, Puppeteer), `@swc`/`esbuild` platform binaries and duplicated "
    "versions. `npm dedupe`, or switching to pnpm's content-addressed store, can cut it down a lot.",
    "javascript", None,
)

single(
    "Who committed to the billing module in the last two weeks?",
    "run_terminal_command", {"command": "git shortlog -sn --since='2 weeks ago' -- src/Billing"},
    D("""
            14\tPriya Raman
             6\tTomasz Nowak
             2\tdependabot[bot]
    """),
    "Three authors touched `src/Billing` in the last two weeks:\n\n"
    "- **Priya Raman**: 14 commits\n- **Tomasz Nowak**: 6 commits\n- dependabot: 2 (dependency bumps)\n\n"
    "Priya is the one to ask about recent billing changes.",
    "csharp", None,
)

single(
    "Start storybook in the background so I can check the components",
    "run_terminal_command", {"command": "npm run storybook", "waitForCompletion": False},
    D("""
        > storefront@0.1.0 storybook
        > storybook dev -p 6006

        @storybook/cli v8.1.5

        info => Starting manager..
        info => Starting preview..
        ╭──────────────────────────────────────────────────╮
        │   Storybook 8.1.5 for react-vite started         │
        │   1.92 s for manager and 3.4 s for preview       │
        │                                                  │
        │    Local:            http://localhost:6006/      │
        │    On your network:  http://192.168.1.23:6006/   │
        ╰──────────────────────────────────────────────────╯
    """),
    "Storybook 8.1.5 is running in the background at **http://localhost:6006/** (also reachable from "
    "your network at http://192.168.1.23:6006/). It's the `react-vite` builder, so edits to components "
    "and stories hot-reload.",
    "typescript", "react",
)

single(
    "build the Rust workspace in release mode",
    "run_terminal_command", {"command": "cargo build --release --workspace"},
    D("""
           Compiling proc-macro2 v1.0.85
           Compiling unicode-ident v1.0.12
           Compiling lexi-macros v0.4.0 (/home/dev/lexi/crates/lexi-macros)
           Compiling lexi v0.4.0 (/home/dev/lexi/crates/lexi)
        warning: unused variable: `span`
          --> crates/lexi/src/parser.rs:211:13
            |
        211 |         let span = self.peek_span();
            |             ^^^^ help: if this is intentional, prefix it with an underscore: `_span`
            |
            = note: `#[warn(unused_variables)]` on by default

           Compiling lexi-cli v0.4.0 (/home/dev/lexi/crates/lexi-cli)
           Compiling lexi-lsp v0.4.0 (/home/dev/lexi/crates/lexi-lsp)
            Finished `release` profile [optimized] target(s) in 1m 12s
    """),
    "The release build **succeeded** in 1 m 12 s. The binaries are in `target/release/`. There's one "
    "warning: `span` is unused at `crates/lexi/src/parser.rs:211`. Either it was meant to go into an "
    "error or AST node and got forgotten, or it can be removed (or renamed `_span`).",
    "rust", None,
)


# ==== single calls: search_web ===================================================================

single(
    "pip install fails with 'error: externally-managed-environment' on my fresh Debian 12 box. Can you look up the proper fix?",
    "search_web", {"query": "pip error externally-managed-environment Debian 12 fix"},
    D("""
        1. PEP 668 – Marking Python base environments as "externally managed"
           https://peps.python.org/pep-0668/
           Distributions can mark their system Python as externally managed via an EXTERNALLY-MANAGED file; pip then refuses to install into it and suggests a virtual environment.

        2. Debian wiki: Python/Pip and system packages
           https://wiki.debian.org/Python
           Since bookworm, use apt for system-wide packages (python3-xyz), python3 -m venv for projects, or pipx for command-line applications.

        3. Stack Overflow: How do I solve "error: externally-managed-environment" every time I use pip 3?
           https://stackoverflow.com/questions/75608323
           Create a venv (python3 -m venv .venv && . .venv/bin/activate) or use pipx. --break-system-packages overrides the check but can break apt-managed packages.
    """),
    "This comes from **PEP 668**. Debian 12 marks its system Python as \"externally managed\", so pip "
    "refuses to install into it and risk breaking packages that `apt` owns. The recommended fixes, in order:\n\n"
    "1. **Project dependencies**: use a virtual environment:\n   ```bash\n   python3 -m venv .venv\n"
    "   . .venv/bin/activate\n   pip install -r requirements.txt\n   ```\n"
    "   (You may need `sudo apt install python3-venv` first.)\n"
    "2. **Command-line tools** (black, httpie, poetry…): `sudo apt install pipx`, then `pipx install <tool>`. "
    "Each tool gets its own isolated environment.\n"
    "3. **Libraries you want system-wide**: install the Debian package, e.g. `sudo apt install python3-requests`.\n\n"
    "`pip install --break-system-packages` switches the check off, but as the name says it can break "
    "apt-managed Python packages, so avoid it except in throwaway containers.",
    "python", None,
)

single(
    "What's the latest Kotlin release right now? I want to bump the Gradle plugin. Check online.",
    "search_web", {"query": "latest Kotlin release version Kotlin Gradle plugin"},
    D("""
        1. Kotlin releases | Kotlin Documentation
           https://kotlinlang.org/docs/releases.html
           Latest Kotlin release: 2.0.20 (August 22, 2024). Tooling releases 2.0.20... Update the version in plugins { kotlin("jvm") version "2.0.20" }.

        2. What's new in Kotlin 2.0.20
           https://kotlinlang.org/docs/whatsnew2020.html
           Kotlin 2.0.20 brings performance improvements and bug fixes, data class copy function visibility changes, and Compose compiler updates.

        3. Release Kotlin 2.0.20 · JetBrains/kotlin · GitHub
           https://github.com/JetBrains/kotlin/releases/tag/v2.0.20
    """),
    "According to the Kotlin releases page, the latest release is **Kotlin 2.0.20** (August 22, 2024). "
    "Bump the plugin in your build script:\n\n"
    "```kotlin\nplugins {\n    kotlin(\"jvm\") version \"2.0.20\"   // or kotlin(\"android\")\n}\n```\n\n"
    "If you use a version catalog, change `kotlin = \"2.0.20\"` in `gradle/libs.versions.toml` instead. "
    "Since 2.0, the Compose compiler ships with Kotlin, so Android projects also need the "
    "`org.jetbrains.kotlin.plugin.compose` plugin at the same version. The 2.0.20 notes also mention a "
    "visibility change for data class `copy()` functions, so skim them if you use private constructors "
    "on data classes.",
    "kotlin", "android",
)

single(
    "Our nginx logs warn that the 'listen ... http2' directive is deprecated. Search for what replaced it.",
    "search_web", {"query": "nginx listen http2 directive is deprecated use http2 directive instead"},
    D("""
        1. Module ngx_http_v2_module - nginx.org
           https://nginx.org/en/docs/http/ngx_http_v2_module.html
           Syntax: http2 on | off; Default: http2 off; Context: http, server. This directive appeared in version 1.25.1. ... The "http2" parameter of the "listen" directive is deprecated.

        2. nginx changes 1.25.1
           https://nginx.org/en/CHANGES
           Feature: the "http2" directive, which enables HTTP/2 on a per-server basis; the "http2" parameter of the "listen" directive is now deprecated.

        3. Server Fault: nginx: the "listen ... http2" directive is deprecated
           https://serverfault.com/questions/1137823
           Replace `listen 443 ssl http2;` with `listen 443 ssl;` and add `http2 on;` inside the server block.
    """),
    "Since **nginx 1.25.1**, HTTP/2 is switched on with its own `http2` directive, and the `http2` parameter "
    "of `listen` is deprecated. Change:\n\n"
    "```nginx\nserver {\n    listen 443 ssl http2;\n    ...\n}\n```\n\nto:\n\n"
    "```nginx\nserver {\n    listen 443 ssl;\n    http2 on;\n    ...\n}\n```\n\n"
    "`http2 on;` can also go in the `http` block to apply to every server. Watch out if the same config "
    "has to run on nginx older than 1.25.1: there the new directive is unknown and nginx won't start. "
    "Check `nginx -v` on every host first.",
    None, "nginx",
)

single(
    "Does PostgreSQL 17 let MERGE return rows? Search the web — I want to avoid a second SELECT.",
    "search_web", {"query": "PostgreSQL 17 MERGE RETURNING clause"},
    D("""
        1. PostgreSQL 17 Released!
           https://www.postgresql.org/about/news/postgresql-17-released-2936/
           ... MERGE now supports the RETURNING clause, letting you further work with modified rows, and can update views ...

        2. PostgreSQL: Documentation: 17: MERGE
           https://www.postgresql.org/docs/17/sql-merge.html
           [ RETURNING { * | output_expression [ [ AS ] output_name ] } [, ...] ] ... the merge_action() function returns INSERT, UPDATE or DELETE for each returned row.
    """),
    "Yes. **PostgreSQL 17 added `RETURNING` to `MERGE`**, and the new `merge_action()` function tells "
    "you which action each returned row went through:\n\n"
    "```sql\nMERGE INTO inventory AS i\nUSING incoming AS n ON i.sku = n.sku\n"
    "WHEN MATCHED THEN UPDATE SET qty = i.qty + n.qty\nWHEN NOT MATCHED THEN INSERT (sku, qty) VALUES (n.sku, n.qty)\n"
    "RETURNING merge_action(), i.sku, i.qty;\n```\n\n"
    "On PostgreSQL 15 or 16, `MERGE` exists but without `RETURNING`. There, "
    "`INSERT ... ON CONFLICT ... DO UPDATE ... RETURNING` is the usual single-statement alternative when "
    "there's a unique key to conflict on.",
    "sql", None,
)

single(
    "Look up how to get the free-threaded (no-GIL) build of Python 3.13 — I want to try it on a CPU-heavy script.",
    "search_web", {"query": "Python 3.13 free-threaded build install python3.13t no GIL"},
    D("""
        1. Python support for free threading — Python 3.13 documentation
           https://docs.python.org/3.13/howto/free-threading-python.html
           Starting with the 3.13 release, CPython has experimental support for a build of Python called free threading where the GIL is disabled. The free-threaded executable is usually named python3.13t. Check with sys._is_gil_enabled().

        2. What's New In Python 3.13
           https://docs.python.org/3/whatsnew/3.13.html
           Free-threaded CPython (PEP 703) ... The official macOS and Windows installers can optionally install free-threaded binaries. Expect a single-threaded performance hit.

        3. py-free-threading: Installing a free-threaded Python
           https://py-free-threading.github.io/installing_cpython/
           Ubuntu: deadsnakes PPA package python3.13-nogil; Fedora: python3.13-freethreading; conda-forge: python-freethreading; or build with ./configure --disable-gil.
    """),
    "Free threading (PEP 703) is **experimental** in Python 3.13 and ships as a separate build, usually "
    "named **`python3.13t`**. Ways to get it:\n\n"
    "- **macOS/Windows**: the official python.org installers have an optional \"free-threaded binaries\" checkbox.\n"
    "- **Ubuntu**: the deadsnakes PPA has `python3.13-nogil`. **Fedora**: `python3.13-freethreading`.\n"
    "- **conda-forge**: the `python-freethreading` package.\n"
    "- **From source**: `./configure --disable-gil`.\n\n"
    "Check it's really running without the GIL:\n\n"
    "```python\nimport sys\nprint(sys._is_gil_enabled())  # False on the free-threaded build\n```\n\n"
    "Two caveats: single-threaded code gets somewhat *slower* on this build, and a C extension that "
    "doesn't declare free-threading support turns the GIL back on when imported (with a warning). Your "
    "script only benefits if it actually splits the work across `threading` threads; with "
    "`multiprocessing` there's no change.",
    "python", None,
)


# ==== single calls: fetch_url_content ============================================================

single(
    "Summarize https://peps.python.org/pep-0695/ for me — what does the new generic syntax look like?",
    "fetch_url_content", {"url": "https://peps.python.org/pep-0695/"},
    D("""
        PEP 695 – Type Parameter Syntax
        Author: Eric Traut
        Status: Final
        Python-Version: 3.12

        Abstract
        This PEP specifies an improved syntax for specifying type parameters within a generic class, function, or type alias. It also introduces a new statement for declaring type aliases.

        Summary Examples
        Defining a generic class prior to this PEP looks something like this.
            from typing import Generic, TypeVar
            _T_co = TypeVar("_T_co", covariant=True, bound=str)
            class ClassA(Generic[_T_co]):
                def method1(self) -> _T_co: ...
        With the new syntax, it looks like this.
            class ClassA[T: str]:
                def method1(self) -> T: ...
        Here is an example of a generic function today and with the new syntax.
            def func[T](a: T, b: T) -> T: ...
        Here is an example of a type alias.
            type ListOrSet[T] = list[T] | set[T]
        Variance is inferred by the type checker rather than declared explicitly.
        TypeVarTuple and ParamSpec: class Foo[*Ts, **P]: ...
    """),
    "PEP 695 (final, **Python 3.12**) adds built-in syntax for generics, so you no longer need `TypeVar` "
    "and `Generic` boilerplate:\n\n"
    "- **Generic classes**: `class Box[T]: ...` instead of `T = TypeVar(\"T\")` + `class Box(Generic[T])`. "
    "Bounds go after a colon: `class Box[T: str]`.\n"
    "- **Generic functions**: `def first[T](items: list[T]) -> T: ...`\n"
    "- **Type aliases**: a new `type` statement: `type ListOrSet[T] = list[T] | set[T]`\n"
    "- **Variadics**: `class Foo[*Ts, **P]` for `TypeVarTuple` and `ParamSpec`.\n"
    "- **Variance is inferred** by the type checker; you no longer write `covariant=True`.\n\n"
    "The type parameters are scoped to the class, function or alias that declares them, so there are no "
    "more module-level `_T` variables. The syntax only works on 3.12+, so keep the old style for libraries "
    "that support older Pythons.",
    "python", None,
)

single(
    "How do I share dependency versions across crates? Read https://doc.rust-lang.org/cargo/reference/workspaces.html and tell me.",
    "fetch_url_content", {"url": "https://doc.rust-lang.org/cargo/reference/workspaces.html"},
    D("""
        Workspaces
        A workspace is a collection of one or more packages, called workspace members, that are managed together.
        ...
        The [workspace.dependencies] table
        The workspace.dependencies table is where you define dependencies to be inherited by members of a workspace.
        Specifying a workspace dependency is similar to package dependencies except:
          - Dependencies from this table cannot be declared as optional
          - features declared in this table are additive with the features from [dependencies]

            # [PROJECT_DIR]/Cargo.toml
            [workspace]
            members = ["bar"]

            [workspace.dependencies]
            cc = "1.0.73"
            rand = "0.8.5"
            regex = { version = "1.6.0", default-features = false, features = ["std"] }

            # [PROJECT_DIR]/bar/Cargo.toml
            [dependencies]
            regex = { workspace = true, features = ["unicode"] }

            [build-dependencies]
            cc.workspace = true

        The [workspace.package] table
        The workspace.package table is where you define keys that can be inherited by members of a workspace: version, edition, authors, license, rust-version ...
    """),
    "Cargo supports this directly with **`[workspace.dependencies]`**:\n\n"
    "1. Declare each version once in the root `Cargo.toml`:\n"
    "```toml\n[workspace.dependencies]\nserde = { version = \"1\", features = [\"derive\"] }\ntokio = \"1.38\"\n```\n"
    "2. In each member crate, inherit it:\n"
    "```toml\n[dependencies]\nserde = { workspace = true }\ntokio = { workspace = true, features = [\"rt-multi-thread\"] }\n```\n"
    "   (`serde.workspace = true` is the short form.)\n\n"
    "Rules from the page: a member can **add** features on top of the workspace entry (they're additive) "
    "but can't remove them, and a workspace dependency can't be declared `optional` in the root table; "
    "mark `optional = true` in the member instead. The same trick works for package metadata: put "
    "`version`, `edition`, `license` or `rust-version` under `[workspace.package]` and write "
    "`edition.workspace = true` in the members.",
    "rust", None,
)

single(
    "I want to add an index to a big table without locking writes. Fetch https://www.postgresql.org/docs/current/sql-createindex.html and pull out the caveats of CONCURRENTLY.",
    "fetch_url_content", {"url": "https://www.postgresql.org/docs/current/sql-createindex.html"},
    D("""
        CREATE INDEX — define a new index
        ...
        Building Indexes Concurrently
        Creating an index can interfere with regular operation of a database. Normally PostgreSQL locks the table to be indexed against writes and performs the entire index build with a single scan of the table.
        PostgreSQL supports building indexes without locking out writes. This method is invoked by specifying the CONCURRENTLY option of CREATE INDEX. When this option is used, PostgreSQL must perform two scans of the table, and in addition it must wait for all existing transactions that could potentially modify or use the index to terminate. Thus this method requires more total work than a standard index build and takes significantly longer to complete.
        ...
        If a problem arises while scanning the table, such as a deadlock or a uniqueness violation in a unique index, the CREATE INDEX command will fail but leave behind an "invalid" index. This index will be ignored for querying purposes because it might be incomplete; however it will still consume update overhead. The recommended recovery method in such cases is to drop the index and try again to perform CREATE INDEX CONCURRENTLY.
        ...
        Another difference is that a regular CREATE INDEX command can be performed within a transaction block, but CREATE INDEX CONCURRENTLY cannot.
        Concurrent builds for indexes on partitioned tables are currently not supported.
    """),
    "The caveats of `CREATE INDEX CONCURRENTLY`, from the docs:\n\n"
    "1. **Not inside a transaction block.** Many migration tools wrap each migration in a transaction, so "
    "you have to disable that for this migration (e.g. `disable_ddl_transaction!` in Rails, "
    "`atomic = False` in Django).\n"
    "2. **Slower and more work**: two table scans, and it waits for every transaction that might use the "
    "index to finish. A long-running transaction stalls the build.\n"
    "3. **Failure leaves an INVALID index.** A deadlock or a unique violation aborts it but leaves an index "
    "that queries ignore *and* that still slows down writes. Clean up with "
    "`DROP INDEX CONCURRENTLY ...` and retry. Find leftovers with `SELECT indexrelid::regclass FROM "
    "pg_index WHERE NOT indisvalid;`.\n"
    "4. **Partitioned tables aren't supported directly.** Build it concurrently on each partition, then "
    "create the parent index with `ON ONLY` and attach the partitions.\n\n"
    "Normal reads and writes keep working throughout, which is the whole point.",
    "sql", None,
)

single(
    "What's the newest gh CLI release? Grab https://api.github.com/repos/cli/cli/releases/latest",
    "fetch_url_content", {"url": "https://api.github.com/repos/cli/cli/releases/latest"},
    D("""
        {
          "url": "https://api.github.com/repos/cli/cli/releases/162004913",
          "html_url": "https://github.com/cli/cli/releases/tag/v2.52.0",
          "tag_name": "v2.52.0",
          "name": "GitHub CLI 2.52.0",
          "draft": false,
          "prerelease": false,
          "created_at": "2024-06-24T17:15:04Z",
          "published_at": "2024-06-24T18:02:11Z",
          "body": "## What's Changed\\n* Add `--json` option to `gh variable get`\\n* `gh attestation verify` supports `--bundle` for offline verification\\n* Fix `gh repo fork` when the upstream default branch was renamed\\n..."
        }
    """),
    "The latest gh release is **v2.52.0** (\"GitHub CLI 2.52.0\"), published **2024-06-24**. It isn't a "
    "draft or a prerelease. The release notes excerpt mentions:\n\n"
    "- `gh variable get` gets a `--json` option\n- `gh attestation verify` accepts `--bundle` for offline verification\n"
    "- a fix for `gh repo fork` when the upstream default branch was renamed\n\n"
    "Compare with `gh --version`. Upgrade with `brew upgrade gh`, or your package manager's equivalent.",
    None, None,
)

single(
    "Read https://pkg.go.dev/log/slog and tell me which HandlerOptions exist — I want source locations in our JSON logs.",
    "fetch_url_content", {"url": "https://pkg.go.dev/log/slog"},
    D("""
        type HandlerOptions
            type HandlerOptions struct {
                // AddSource causes the handler to compute the source code position
                // of the log statement and add a SourceKey attribute to the output.
                AddSource bool

                // Level reports the minimum record level that will be logged.
                // The handler discards records with lower levels.
                // If Level is nil, the handler assumes LevelInfo.
                Level Leveler

                // ReplaceAttr is called to rewrite each non-group attribute before it is logged.
                // The attribute's value has been resolved (see [Value.Resolve]).
                // If ReplaceAttr returns a zero Attr, the attribute is discarded.
                ReplaceAttr func(groups []string, a Attr) Attr
            }
        HandlerOptions are options for a TextHandler or JSONHandler. A zero HandlerOptions consists entirely of default values.

        func NewJSONHandler(w io.Writer, opts *HandlerOptions) *JSONHandler
    """),
    "`slog.HandlerOptions` has three fields:\n\n"
    "- **`AddSource bool`**: adds a `source` attribute with the file, line and function of the log call. "
    "This is the one you want.\n"
    "- **`Level Leveler`**: the minimum level; `nil` means Info. Pass a `*slog.LevelVar` to change it at runtime.\n"
    "- **`ReplaceAttr func(groups []string, a Attr) Attr`**: rewrites or drops attributes, e.g. to rename "
    "keys or trim the source path.\n\n"
    "```go\nlogger := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{\n"
    "\tAddSource: true,\n\tLevel:     slog.LevelDebug,\n}))\nslog.SetDefault(logger)\n```\n\n"
    "The `source` field contains absolute paths. If those are too long, use `ReplaceAttr` to shorten "
    "`a.Value.Any().(*slog.Source).File` with `filepath.Base`.",
    "go", None,
)

single(
    "Can you read https://docs.djangoproject.com/en/5.0/ref/models/fields/#generatedfield and explain GeneratedField with a small example?",
    "fetch_url_content", {"url": "https://docs.djangoproject.com/en/5.0/ref/models/fields/#generatedfield"},
    D("""
        GeneratedField
        class GeneratedField(expression, output_field, db_persist=None, **kwargs)
        New in Django 5.0.
        A field that is always computed based on other fields in the model. This field is managed and updated by the database itself. Uses the GENERATED ALWAYS SQL syntax.
        There are two kinds of generated columns: stored and virtual. A stored generated column is computed when it is written (inserted or updated) and occupies storage as if it were a regular column. A virtual generated column occupies no storage and is computed when it is read.
        expression: An Expression used by the database to automatically set the field value each time the model is changed. The expressions should be deterministic and only reference fields within the model (in the same database table).
        output_field: A model field instance to define the field's data type.
        db_persist: Determines if the database column should occupy storage as if it were a real column. If False, the column acts as a virtual column and does not occupy database storage space. PostgreSQL only supports persisted columns. Oracle only supports virtual columns.
        Refresh the data: Since the database always computed the value, the object must be reloaded to access the new value after save(), for example, by using refresh_from_db().
    """),
    "`GeneratedField` (new in **Django 5.0**) is a column the **database** computes from other columns "
    "of the same row, using SQL `GENERATED ALWAYS`. Example:\n\n"
    "```python\nfrom django.db import models\nfrom django.db.models import F\n\n"
    "class OrderLine(models.Model):\n    quantity = models.PositiveIntegerField()\n"
    "    unit_price = models.DecimalField(max_digits=10, decimal_places=2)\n"
    "    total = models.GeneratedField(\n        expression=F(\"quantity\") * F(\"unit_price\"),\n"
    "        output_field=models.DecimalField(max_digits=12, decimal_places=2),\n        db_persist=True,\n    )\n```\n\n"
    "Points from the docs:\n"
    "- **`db_persist`** picks *stored* (`True`, computed on write, takes space) or *virtual* (`False`, "
    "computed on read). **PostgreSQL only supports stored**, so use `db_persist=True` there; Oracle only "
    "supports virtual.\n"
    "- The expression must be deterministic and only reference fields of the same table (no joins, no `now()`).\n"
    "- After `save()`, the Python object doesn't have the new value yet. Call `refresh_from_db()` to read it.",
    "python", "django",
)


# ==== single calls: view_repo_map ================================================================

single(
    "Before I review this PR I need a bird's-eye view: which files exist and what does each one define?",
    "view_repo_map", {},
    D("""
        app/__init__.py
            create_app(config_name)
        app/api/invoices.py
            bp
            list_invoices()
            get_invoice(invoice_id)
            download_invoice_pdf(invoice_id)
        app/api/customers.py
            bp
            list_customers()
            create_customer()
        app/models.py
            class Customer(db.Model)
            class Invoice(db.Model)
                amount_due
                to_dict()
            class InvoiceLine(db.Model)
        app/services/pdf_renderer.py
            render_invoice_pdf(invoice, *, locale)
            _format_money(amount, currency)
        app/services/numbering.py
            next_invoice_number(customer)
        tests/api/test_invoices.py
            test_list_invoices()
            test_download_pdf()
    """),
    "It's a Flask app with an application factory and blueprints:\n\n"
    "- **`app/__init__.py`**: `create_app(config_name)`, the factory.\n"
    "- **API blueprints**: `app/api/invoices.py` (`list_invoices`, `get_invoice`, `download_invoice_pdf`) "
    "and `app/api/customers.py` (`list_customers`, `create_customer`).\n"
    "- **Models** (`app/models.py`): `Customer`, `Invoice` (with `amount_due` and `to_dict()`), "
    "`InvoiceLine`, all Flask-SQLAlchemy.\n"
    "- **Services**: `pdf_renderer.py` (`render_invoice_pdf` plus a private `_format_money`) and "
    "`numbering.py` (`next_invoice_number`).\n"
    "- **Tests**: `tests/api/test_invoices.py` covers listing and the PDF download. Customers have no tests.\n\n"
    "So a request flows blueprint → model → service. For a PR touching invoices, the interesting parts "
    "are `invoices.py`, `pdf_renderer.py` and that test file.",
    "python", "flask",
)

single(
    "I need to add a new payment provider. Show me how the codebase is laid out so I know where it should go.",
    "view_repo_map", {},
    D("""
        src/Billing/Payments/IPaymentProcessor.cs
            interface IPaymentProcessor
                ProcessPaymentAsync(PaymentRequest, CancellationToken)
                RefundAsync(string paymentId, decimal amount, CancellationToken)
        src/Billing/Payments/StripePaymentProcessor.cs
            class StripePaymentProcessor : IPaymentProcessor
        src/Billing/Payments/FakePaymentProcessor.cs
            class FakePaymentProcessor : IPaymentProcessor
        src/Billing/Payments/PaymentOptions.cs
            class PaymentOptions
                Provider
                Stripe (StripeOptions)
        src/Billing/Payments/ServiceCollectionExtensions.cs
            static class ServiceCollectionExtensions
                AddPayments(this IServiceCollection, IConfiguration)
        src/Billing/Checkout/CheckoutService.cs
            class CheckoutService
                PlaceOrderAsync(Cart, CancellationToken)
        src/Api/Program.cs
        tests/Billing.Tests/CheckoutServiceTests.cs
            class CheckoutServiceTests
    """),
    "Payment providers plug in behind **`IPaymentProcessor`** in `src/Billing/Payments/`:\n\n"
    "- `IPaymentProcessor`: `ProcessPaymentAsync` and `RefundAsync`\n"
    "- Implementations: `StripePaymentProcessor` (real) and `FakePaymentProcessor` (dev/test)\n"
    "- `PaymentOptions`: a `Provider` setting plus per-provider options (currently only `Stripe`)\n"
    "- `ServiceCollectionExtensions.AddPayments(...)`: registers the implementation, presumably chosen "
    "by `PaymentOptions.Provider`\n\n"
    "A new provider (say Adyen) means:\n"
    "1. `src/Billing/Payments/AdyenPaymentProcessor.cs` implementing `IPaymentProcessor`\n"
    "2. an `AdyenOptions` class and an `Adyen` property on `PaymentOptions`\n"
    "3. a branch in `AddPayments` that registers it when `Provider == \"Adyen\"`\n"
    "4. tests next to `CheckoutServiceTests`\n\n"
    "`CheckoutService` only knows the interface, so nothing else needs to change.",
    "csharp", "aspnet_core",
)

single(
    "Sketch the architecture of this service for the onboarding doc — modules and their main types.",
    "view_repo_map", {},
    D("""
        cmd/api/main.go
            main()
        cmd/worker/main.go
            main()
        internal/config/config.go
            type Config struct
            Load() (Config, error)
        internal/http/server.go
            NewServer(cfg, store, log) *http.Server
        internal/http/handlers/orders.go
            type OrdersHandler struct
            (h *OrdersHandler) List(w, r)
            (h *OrdersHandler) Create(w, r)
        internal/http/middleware/audit.go
            Audit(next http.Handler) http.Handler
        internal/store/store.go
            type Store struct
            New(ctx, dsn) (*Store, error)
        internal/store/orders.go
            (s *Store) ListOrders(ctx, filter) ([]Order, error)
            (s *Store) CreateOrder(ctx, in) (Order, error)
        internal/queue/consumer.go
            type Consumer struct
            (c *Consumer) Run(ctx) error
    """),
    "Here's a summary for the doc:\n\n"
    "**Two binaries**\n- `cmd/api`: the HTTP API\n- `cmd/worker`: background processing, driven by "
    "`internal/queue.Consumer.Run`\n\n"
    "**Shared internals**\n"
    "- `internal/config`: a `Config` struct plus `Load()`, presumably from the environment\n"
    "- `internal/http`: `NewServer` wires the router, the `handlers` (e.g. `OrdersHandler.List/Create`) and "
    "the `middleware` (`Audit`)\n"
    "- `internal/store`: database access. `store.New(ctx, dsn)` opens it; `ListOrders`/`CreateOrder` live "
    "in `orders.go`\n"
    "- `internal/queue`: the message consumer used by the worker\n\n"
    "**Request path**: `main` → `config.Load` → `store.New` → `http.NewServer` → handler → `Store` "
    "method. Handlers call the store directly; there's no separate service layer.",
    "go", None,
)

single(
    "Which modules in this Elixir project define what? Give me the map.",
    "view_repo_map", {},
    D("""
        lib/ledger/application.ex
            Ledger.Application.start/2
        lib/ledger/accounts.ex
            Ledger.Accounts.get_account!/1
            Ledger.Accounts.open_account/1
            Ledger.Accounts.close_account/1
        lib/ledger/entries.ex
            Ledger.Entries.post_entry/1
            Ledger.Entries.balance/1
        lib/ledger/imports.ex
            Ledger.Imports.import_csv/2
            Ledger.Imports.reset/0
        lib/ledger/workers/reconcile_worker.ex
            Ledger.Workers.ReconcileWorker.perform/1
        lib/ledger_web/router.ex
            LedgerWeb.Router
        lib/ledger_web/live/account_live.ex
            LedgerWeb.AccountLive.mount/3
            LedgerWeb.AccountLive.handle_event/3
        lib/ledger_web/controllers/entry_controller.ex
            LedgerWeb.EntryController.index/2
            LedgerWeb.EntryController.create/2
    """),
    "It follows the standard Phoenix split between core and web:\n\n"
    "**Core (`lib/ledger/`)**: the contexts\n"
    "- `Ledger.Accounts`: `get_account!/1`, `open_account/1`, `close_account/1`\n"
    "- `Ledger.Entries`: `post_entry/1`, `balance/1`\n"
    "- `Ledger.Imports`: `import_csv/2` and `reset/0`\n"
    "- `Ledger.Workers.ReconcileWorker.perform/1`: an Oban worker\n"
    "- `Ledger.Application.start/2`: the supervision tree\n\n"
    "**Web (`lib/ledger_web/`)**\n- `LedgerWeb.Router`\n- `LedgerWeb.AccountLive` (LiveView: `mount/3`, `handle_event/3`)\n"
    "- `LedgerWeb.EntryController` (`index/2`, `create/2`)\n\n"
    "One thing to flag: `Ledger.Imports.reset/0` takes no arguments, so it can't be scoped to one "
    "account or import. It's probably the unscoped `Repo.delete_all(ImportRow)` that wipes every import.",
    "elixir", "phoenix",
)


# ==== chains: the seed's four named scenarios ===================================================

chain(
    "Since Friday's deploy, GET /api/v2/invoices/<id>/pdf answers 500 for every invoice. Can you track down "
    "why? Start from the route, and run the PDF tests once you know where to look.",
    [
        ("grep_search", {"query": r"invoices/<int:invoice_id>/pdf|def download_invoice_pdf"},
         D("""
             app/api/invoices.py:48:@bp.get("/invoices/<int:invoice_id>/pdf")
             app/api/invoices.py:49:def download_invoice_pdf(invoice_id: int):
         """)),
        ("read_file", {"filepath": "app/api/invoices.py"},
         D('''
             from flask import Blueprint, abort, jsonify, send_file
             from flask_login import current_user, login_required

             from app.models import Invoice
             from app.services.pdf_renderer import render_invoice_pdf

             bp = Blueprint("invoices", __name__, url_prefix="/api/v2")


             @bp.get("/invoices")
             @login_required
             def list_invoices():
                 invoices = Invoice.query.filter_by(account_id=current_user.account_id).all()
                 return jsonify([i.to_dict() for i in invoices])


             @bp.get("/invoices/<int:invoice_id>")
             @login_required
             def get_invoice(invoice_id: int):
                 invoice = Invoice.query.get_or_404(invoice_id)
                 if invoice.account_id != current_user.account_id:
                     abort(404)
                 return jsonify(invoice.to_dict())


             @bp.get("/invoices/<int:invoice_id>/pdf")
             def download_invoice_pdf(invoice_id: int):
                 invoice = Invoice.query.get_or_404(invoice_id)
                 if invoice.account_id != current_user.account_id:
                     abort(404)
                 pdf = render_invoice_pdf(invoice, locale=current_user.locale)
                 return send_file(pdf, mimetype="application/pdf",
                                  download_name=f"invoice-{invoice.number}.pdf")
         ''')),
        ("read_file_range", {"filepath": "app/services/pdf_renderer.py", "startLine": 1, "endLine": 40},
         D('''
              1 from io import BytesIO
              2
              3 from babel.numbers import format_currency
              4 from flask import render_template
              5 from weasyprint import HTML
              6
              7
              8 def _format_money(amount, currency: str, locale: str) -> str:
              9     return format_currency(amount, currency, locale=locale)
             10
             11
             12 def render_invoice_pdf(invoice, *, locale: str = "en_US") -> BytesIO:
             13     currency = invoice.customer.currency_code
             14     lines = [
             15         {
             16             "description": line.description,
             17             "quantity": line.quantity,
             18             "unit_price": _format_money(line.unit_price, currency, locale),
             19             "total": _format_money(line.unit_price * line.quantity, currency, locale),
             20         }
             21         for line in invoice.lines
             22     ]
             23     html = render_template(
             24         "invoice.html",
             25         invoice=invoice,
             26         lines=lines,
             27         amount_due=_format_money(invoice.amount_due, currency, locale),
             28     )
             29     buffer = BytesIO()
             30     HTML(string=html).write_pdf(buffer)
             31     buffer.seek(0)
             32     return buffer
         ''')),
        ("run_terminal_command", {"command": "pytest tests/api/test_invoices.py -k pdf -x -q"},
         D('''
             F
             =================================== FAILURES ===================================
             _______________________________ test_download_pdf ______________________________

                 def render_invoice_pdf(invoice, *, locale: str = "en_US") -> BytesIO:
             >       currency = invoice.customer.currency_code
             E       AttributeError: 'Customer' object has no attribute 'currency_code'

             app/services/pdf_renderer.py:13: AttributeError
             =========================== short test summary info ============================
             FAILED tests/api/test_invoices.py::test_download_pdf - AttributeError: 'Customer' object has no attribute 'currency_code'
             1 failed, 3 deselected in 0.84s
         ''')),
        ("grep_search", {"query": r"currency_code|currency = db\.Column"},
         D("""
             app/models.py:21:    currency = db.Column(db.String(3), nullable=False, default="EUR")
             app/services/pdf_renderer.py:13:    currency = invoice.customer.currency_code
             migrations/versions/7f3a9c21d4e8_rename_customer_currency_code.py:18:    op.alter_column("customers", "currency_code", new_column_name="currency")
             migrations/versions/7f3a9c21d4e8_rename_customer_currency_code.py:22:    op.alter_column("customers", "currency", new_column_name="currency_code")
         """)),
        ("run_terminal_command", {"command": "git log -3 --date=short --format='%h %ad %an %s' -- app/models.py migrations/"},
         D("""
             b41e0d7 2024-06-07 Lena Fischer Rename Customer.currency_code to currency
             92ac5f1 2024-05-28 Omar Haddad Add InvoiceLine.tax_rate
             3d8e6b0 2024-05-14 Lena Fischer Index invoices by account_id
         """)),
    ],
    "Found it. The PDF endpoint crashes with\n\n"
    "```\nAttributeError: 'Customer' object has no attribute 'currency_code'\n```\n\n"
    "at `app/services/pdf_renderer.py:13`.\n\n"
    "**Cause**: commit `b41e0d7` (2024-06-07, Friday: \"Rename Customer.currency_code to currency\") "
    "renamed the model attribute and the database column, but `render_invoice_pdf` still reads "
    "`invoice.customer.currency_code`. The grep shows it's the only remaining reference in the app code. "
    "The other hits are the migration itself.\n\n"
    "**Fix**: line 13 of `app/services/pdf_renderer.py` should be:\n\n"
    "```python\ncurrency = invoice.customer.currency\n```\n\n"
    "After that, `pytest tests/api/test_invoices.py -k pdf` should pass. Two things I noticed along the way:\n\n"
    "1. `download_invoice_pdf` is missing `@login_required`, unlike the other two routes. For an "
    "anonymous user, `current_user.account_id` raises an `AttributeError` (another 500), and it's also an "
    "access-control gap. Add the decorator.\n"
    "2. The rename went out without anyone noticing the PDF path. Running the whole test file in CI, not just "
    "the changed tests, would have caught it.",
    "python", "flask", name="api_debugging",
)

chain(
    "After we moved our secrets into Vault, logging in still works but every call to a protected route "
    "comes back 401 with 'invalid signature'. Figure out what's wrong with our JWT setup.",
    [
        ("grep_search", {"query": r"jwt\.(sign|verify)\("},
         D("""
             src/auth/tokens.js:12:  return jwt.sign({ sub: user.id, role: user.role }, process.env.JWT_SECRET, { expiresIn: '15m' })
             src/middleware/requireAuth.js:18:    const claims = jwt.verify(token, config.auth.accessTokenSecret, { algorithms: ['HS256'] })
         """)),
        ("read_file", {"filepath": "src/config/index.js"},
         D("""
             require('dotenv').config()

             module.exports = {
               port: Number(process.env.PORT || 3000),
               db: {
                 url: process.env.DATABASE_URL,
               },
               auth: {
                 accessTokenSecret: process.env.JWT_ACCESS_SECRET || 'dev-secret',
                 refreshTokenSecret: process.env.JWT_REFRESH_SECRET || 'dev-refresh-secret',
                 accessTokenTtl: '15m',
               },
             }
         """)),
        ("grep_search", {"query": r"JWT_(ACCESS_)?SECRET"},
         D("""
             .env.example:4:JWT_SECRET=change-me
             .env.example:5:JWT_ACCESS_SECRET=change-me
             deploy/vault/app-secrets.ctmpl:3:export JWT_SECRET="{{ .Data.data.jwt_secret }}"
             src/auth/tokens.js:12:  return jwt.sign({ sub: user.id, role: user.role }, process.env.JWT_SECRET, { expiresIn: '15m' })
             src/config/index.js:9:    accessTokenSecret: process.env.JWT_ACCESS_SECRET || 'dev-secret',
         """)),
        ("read_file", {"filepath": "deploy/vault/app-secrets.ctmpl"},
         D("""
             {{ with secret "kv/data/billing-api/prod" }}
             export DATABASE_URL="{{ .Data.data.database_url }}"
             export JWT_SECRET="{{ .Data.data.jwt_secret }}"
             export JWT_REFRESH_SECRET="{{ .Data.data.jwt_refresh_secret }}"
             export SENTRY_DSN="{{ .Data.data.sentry_dsn }}"
             {{ end }}
         """)),
    ],
    "The tokens are signed and verified with **two different secrets**:\n\n"
    "- **Signing** (`src/auth/tokens.js:12`) uses `process.env.JWT_SECRET` directly.\n"
    "- **Verifying** (`src/middleware/requireAuth.js:18`) uses `config.auth.accessTokenSecret`, which "
    "reads `process.env.JWT_ACCESS_SECRET` **and falls back to `'dev-secret'`**.\n\n"
    "Before Vault, your environment must have set both variables to the same value (`.env.example` "
    "lists both). The Vault template `deploy/vault/app-secrets.ctmpl` only exports `JWT_SECRET` and "
    "`JWT_REFRESH_SECRET`, not `JWT_ACCESS_SECRET`. So in production, login signs with the Vault secret, "
    "verification quietly uses `'dev-secret'`, and every token fails with \"invalid signature\".\n\n"
    "**Fix** (both parts):\n\n"
    "1. Use one source of truth. In `tokens.js`, sign with `config.auth.accessTokenSecret`, and have the "
    "config read a single variable.\n"
    "2. Remove the `'dev-secret'` fallbacks, at least outside development, and fail at startup instead:\n"
    "```js\nconst required = (name) => {\n  const v = process.env[name]\n"
    "  if (!v) throw new Error(`${name} is not set`)\n  return v\n}\n"
    "// auth: { accessTokenSecret: required('JWT_ACCESS_SECRET'), ... }\n```\n\n"
    "Then either add `export JWT_ACCESS_SECRET=...` to the Vault template or standardise on `JWT_SECRET` "
    "everywhere. The silent fallback is the dangerous part: anyone who knows `'dev-secret'` could currently "
    "forge tokens that your API accepts.",
    "javascript", "express", name="authentication",
)

chain(
    "Every list handler parses page/per_page by hand, each with slightly different defaults. Pull that "
    "into one shared helper: find all the copies, add internal/http/pagination/pagination.go, and check "
    "the module still builds and the http tests pass.",
    [
        ("grep_search", {"query": r'Query\(\)\.Get\("(page|per_page)"\)'},
         D("""
             internal/http/handlers/orders.go:31:	page, err := strconv.Atoi(r.URL.Query().Get("page"))
             internal/http/handlers/orders.go:35:	perPage, err := strconv.Atoi(r.URL.Query().Get("per_page"))
             internal/http/handlers/customers.go:27:	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
             internal/http/handlers/customers.go:28:	perPage, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
             internal/http/handlers/invoices.go:40:	page, err := strconv.Atoi(r.URL.Query().Get("page"))
             internal/http/handlers/invoices.go:44:	perPage, err := strconv.Atoi(r.URL.Query().Get("per_page"))
         """)),
        ("read_file", {"filepath": "internal/http/handlers/orders.go"},
         D("""
             package handlers

             import (
             	"encoding/json"
             	"net/http"
             	"strconv"

             	"example.com/ledger/internal/store"
             )

             type OrdersHandler struct {
             	Store *store.Store
             }

             func (h *OrdersHandler) List(w http.ResponseWriter, r *http.Request) {
             	page, err := strconv.Atoi(r.URL.Query().Get("page"))
             	if err != nil || page < 1 {
             		page = 1
             	}
             	perPage, err := strconv.Atoi(r.URL.Query().Get("per_page"))
             	if err != nil || perPage < 1 {
             		perPage = 25
             	}
             	if perPage > 100 {
             		perPage = 100
             	}

             	orders, err := h.Store.ListOrders(r.Context(), store.OrderFilter{
             		Limit:  perPage,
             		Offset: (page - 1) * perPage,
             	})
             	if err != nil {
             		http.Error(w, "could not list orders", http.StatusInternalServerError)
             		return
             	}
             	w.Header().Set("Content-Type", "application/json")
             	_ = json.NewEncoder(w).Encode(orders)
             }
         """)),
        ("read_file_range", {"filepath": "internal/http/handlers/customers.go", "startLine": 24, "endLine": 40},
         D("""
             24 func (h *CustomersHandler) List(w http.ResponseWriter, r *http.Request) {
             25 	// TODO: share with orders
             26 	q := r.URL.Query()
             27 	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
             28 	perPage, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
             29 	if perPage == 0 {
             30 		perPage = 50
             31 	}
             32 	customers, err := h.Store.ListCustomers(r.Context(), q.Get("search"), perPage, page*perPage)
             33 	if err != nil {
             34 		http.Error(w, "could not list customers", http.StatusInternalServerError)
             35 		return
             36 	}
         """)),
        ("create_new_file", {"filepath": "internal/http/pagination/pagination.go", "contents": D("""
             // Package pagination parses page/per_page query parameters the same way for every list endpoint.
             package pagination

             import (
             	"net/http"
             	"strconv"
             )

             const (
             	DefaultPerPage = 25
             	MaxPerPage     = 100
             )

             // Params is a validated page request. Page counts from 1.
             type Params struct {
             	Page    int
             	PerPage int
             }

             // Offset is the number of rows to skip for this page.
             func (p Params) Offset() int { return (p.Page - 1) * p.PerPage }

             // Limit is the number of rows to return.
             func (p Params) Limit() int { return p.PerPage }

             // FromRequest reads ?page= and ?per_page=. Missing, malformed or out-of-range values fall back to
             // page 1 and DefaultPerPage; per_page is capped at MaxPerPage.
             func FromRequest(r *http.Request) Params {
             	q := r.URL.Query()
             	return Params{
             		Page:    positiveOr(q.Get("page"), 1),
             		PerPage: min(positiveOr(q.Get("per_page"), DefaultPerPage), MaxPerPage),
             	}
             }

             func positiveOr(raw string, fallback int) int {
             	n, err := strconv.Atoi(raw)
             	if err != nil || n < 1 {
             		return fallback
             	}
             	return n
             }
         """) + "\n"},
         "Created internal/http/pagination/pagination.go"),
        ("run_terminal_command", {"command": "go build ./... && go test ./internal/http/..."},
         D("""
             ok  	example.com/ledger/internal/http/handlers	0.412s
             ok  	example.com/ledger/internal/http/middleware	0.208s
             ?   	example.com/ledger/internal/http/pagination	[no test files]
         """)),
    ],
    "The helper is in and everything still builds and passes.\n\n"
    "**What I found**: three copies (`orders.go`, `customers.go`, `invoices.go`), and they really do "
    "disagree:\n"
    "- `orders.go`: page defaults to 1, per_page to 25, capped at 100.\n"
    "- `customers.go`: ignores parse errors, defaults per_page to **50** with **no cap**, and its offset is "
    "`page*perPage`, an off-by-one that **skips the first page** (page 1 starts at row 50).\n"
    "- `invoices.go` follows the orders pattern.\n\n"
    "**What I added**: `internal/http/pagination/pagination.go` with `pagination.FromRequest(r)`, which "
    "returns `Params{Page, PerPage}` (defaults 1 and 25, cap 100) plus `Offset()` and `Limit()`. It uses the "
    "built-in `min`, so it needs Go 1.21+.\n\n"
    "**Next step in each handler** (I didn't touch them):\n\n"
    "```go\np := pagination.FromRequest(r)\norders, err := h.Store.ListOrders(r.Context(), store.OrderFilter{\n"
    "\tLimit:  p.Limit(),\n\tOffset: p.Offset(),\n})\n```\n\n"
    "For customers, switching to `p.Offset()` fixes the skipped first page. It also changes the default "
    "page size from 50 to 25, so tell the frontend. A small table-driven test for `FromRequest` (empty, "
    "`abc`, `0`, `500`) would be worth adding, since the package has no tests yet.",
    "go", "chi", name="refactoring",
)

chain(
    "Ship the billing API to production on Fly. Make sure nothing is left uncommitted, run the tests, "
    "deploy with a rolling strategy, and confirm the machines are healthy afterwards.",
    [
        ("view_diff", {}, "No uncommitted changes."),
        ("read_file", {"filepath": "fly.toml"},
         D("""
             app = "billing-api-prod"
             primary_region = "fra"

             [build]
               dockerfile = "Dockerfile"

             [deploy]
               release_command = "npx prisma migrate deploy"
               strategy = "canary"

             [env]
               NODE_ENV = "production"
               PORT = "3000"

             [http_service]
               internal_port = 3000
               force_https = true
               auto_stop_machines = false
               min_machines_running = 2

               [[http_service.checks]]
                 grace_period = "10s"
                 interval = "15s"
                 method = "GET"
                 path = "/healthz"
                 timeout = "3s"
         """)),
        ("run_terminal_command", {"command": "npm test -- --ci"},
         D("""
             > billing-api@2.14.0 test
             > jest --ci

             PASS  test/invoices.service.spec.ts
             PASS  test/payments.controller.spec.ts
             PASS  test/dunning.service.spec.ts
             PASS  test/app.e2e-spec.ts

             Test Suites: 4 passed, 4 total
             Tests:       61 passed, 61 total
             Time:        8.93 s
         """)),
        ("run_terminal_command", {"command": "fly deploy --app billing-api-prod --strategy rolling"},
         D("""
             ==> Verifying app config
             --> Verified app config
             ==> Building image with Depot
             --> Pushing image done
             image: registry.fly.io/billing-api-prod:deployment-01J0F3W6QZ8X4M2C7HNB5KD9TR
             image size: 187 MB

             Running billing-api-prod release_command: npx prisma migrate deploy
               2 migrations found in prisma/migrations
               No pending migrations to apply.
             ✔ release_command 148e2e3b completed successfully

             Updating existing machines in 'billing-api-prod' with rolling strategy
             > [1/2] Machine 3d8d9e1f2a4b68 [app] update finished: success
             > [2/2] Machine 91857e3c0b2d47 [app] update finished: success
             Finished deploying

             Visit your newly deployed app at https://billing-api-prod.fly.dev/
         """)),
        ("run_terminal_command", {"command": "fly status --app billing-api-prod"},
         D("""
             App
               Name     = billing-api-prod
               Owner    = acme
               Hostname = billing-api-prod.fly.dev
               Image    = billing-api-prod:deployment-01J0F3W6QZ8X4M2C7HNB5KD9TR

             Machines
             PROCESS  ID              VERSION  REGION  STATE    ROLE  CHECKS              LAST UPDATED
             app      3d8d9e1f2a4b68  57       fra     started        1 total, 1 passing  2024-06-14T11:02:51Z
             app      91857e3c0b2d47  57       fra     started        1 total, 1 passing  2024-06-14T11:03:20Z
         """)),
    ],
    "Deployed, and both machines are healthy. ✅\n\n"
    "1. **Working tree**: clean, nothing uncommitted.\n"
    "2. **Tests**: 4 suites, 61 tests, all passing.\n"
    "3. **Deploy**: built and pushed the image (187 MB). The release command `prisma migrate deploy` "
    "found no pending migrations. Both machines were updated one at a time with the rolling strategy.\n"
    "4. **Status**: both machines (`3d8d9e1f2a4b68`, `91857e3c0b2d47`, region `fra`) are `started` on "
    "version **57**, and the `/healthz` check passes on each.\n\n"
    "One heads-up: `fly.toml` sets `strategy = \"canary\"` under `[deploy]`, and I overrode it with "
    "`--strategy rolling` as you asked. If rolling is meant to be the norm, update `fly.toml` so the next "
    "plain `fly deploy` doesn't switch back to canary. The app is live at https://billing-api-prod.fly.dev/.",
    "typescript", "nestjs", name="deployment",
)


# ==== chains: other multi-step tasks =============================================================

chain(
    "Some of our Django class-based views might be reachable without logging in. Find the generic views "
    "that don't use LoginRequiredMixin and show me the riskiest one.",
    [
        ("grep_search", {"query": r"class \w+\((\w+Mixin, )*(ListView|DetailView|CreateView|UpdateView|DeleteView)\)"},
         D("""
             projects/views.py:14:class ProjectListView(LoginRequiredMixin, ListView):
             projects/views.py:27:class ProjectDetailView(LoginRequiredMixin, DetailView):
             projects/views.py:41:class ProjectDeleteView(DeleteView):
             reports/views.py:9:class PublicReportView(DetailView):
             reports/views.py:22:class ReportUpdateView(PermissionRequiredMixin, UpdateView):
         """)),
        ("read_file", {"filepath": "projects/views.py"},
         D('''
             from django.contrib.auth.mixins import LoginRequiredMixin
             from django.urls import reverse_lazy
             from django.views.generic import DeleteView, DetailView, ListView

             from .models import Project


             class ProjectListView(LoginRequiredMixin, ListView):
                 model = Project

                 def get_queryset(self):
                     return Project.objects.filter(team__members=self.request.user)


             class ProjectDetailView(LoginRequiredMixin, DetailView):
                 model = Project

                 def get_queryset(self):
                     return Project.objects.filter(team__members=self.request.user)


             class ProjectDeleteView(DeleteView):
                 model = Project
                 success_url = reverse_lazy("projects:list")
         '''),
         "Three views lack `LoginRequiredMixin`. The delete view looks the most dangerous, so let me read that file."),
    ],
    "Three generic views don't use `LoginRequiredMixin`:\n\n"
    "| View | File | Verdict |\n|---|---|---|\n"
    "| `ProjectDeleteView` | `projects/views.py:41` | **critical** |\n"
    "| `PublicReportView` | `reports/views.py:9` | probably intentional (the name says public) |\n"
    "| `ReportUpdateView` | `reports/views.py:22` | OK: `PermissionRequiredMixin` already rejects anonymous users |\n\n"
    "**`ProjectDeleteView` is the real problem.** It has no login check *and* uses the default queryset "
    "(`Project.objects.all()`), so **anyone, even logged out, can delete any project** by POSTing to its "
    "URL. The list and detail views are both restricted to the user's team, but delete isn't.\n\n"
    "Fix:\n\n```python\nclass ProjectDeleteView(LoginRequiredMixin, DeleteView):\n    model = Project\n"
    "    success_url = reverse_lazy(\"projects:list\")\n\n    def get_queryset(self):\n"
    "        return Project.objects.filter(team__members=self.request.user)\n```\n\n"
    "With the filtered queryset, another team's project returns 404 instead of being deleted. The regex "
    "only matched direct subclasses of the generic views, so views built on a custom base class need a "
    "separate look.",
    "python", "django",
)

chain(
    "Find our PriceTag component, read it, and write a Storybook story file next to it covering the regular, discounted and sold-out states.",
    [
        ("file_glob_search", {"pattern": "**/PriceTag.tsx"}, "src/components/PriceTag/PriceTag.tsx"),
        ("read_file", {"filepath": "src/components/PriceTag/PriceTag.tsx"},
         D("""
             import styles from './PriceTag.module.css'

             export interface PriceTagProps {
               amount: number
               currency?: string
               compareAt?: number
               soldOut?: boolean
             }

             const fmt = (value: number, currency: string) =>
               new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(value)

             export function PriceTag({ amount, currency = 'EUR', compareAt, soldOut = false }: PriceTagProps) {
               if (soldOut) return <span className={styles.soldOut}>Sold out</span>
               const discounted = compareAt !== undefined && compareAt > amount
               return (
                 <span className={styles.price}>
                   {discounted && <s className={styles.compareAt}>{fmt(compareAt, currency)}</s>}
                   <strong className={discounted ? styles.sale : undefined}>{fmt(amount, currency)}</strong>
                 </span>
               )
             }
         """)),
        ("create_new_file", {"filepath": "src/components/PriceTag/PriceTag.stories.tsx", "contents": D("""
             import type { Meta, StoryObj } from '@storybook/react'

             import { PriceTag } from './PriceTag'

             const meta = {
               title: 'Components/PriceTag',
               component: PriceTag,
               args: { amount: 24.9, currency: 'EUR' },
               argTypes: {
                 currency: { control: 'select', options: ['EUR', 'USD', 'GBP', 'JPY'] },
               },
             } satisfies Meta<typeof PriceTag>

             export default meta
             type Story = StoryObj<typeof meta>

             export const Regular: Story = {}

             export const Discounted: Story = {
               args: { amount: 19.9, compareAt: 24.9 },
             }

             export const SoldOut: Story = {
               args: { soldOut: true },
             }
         """) + "\n"},
         "Created src/components/PriceTag/PriceTag.stories.tsx"),
    ],
    "Created `src/components/PriceTag/PriceTag.stories.tsx` with three stories under **Components/PriceTag**:\n\n"
    "- **Regular**: €24.90\n- **Discounted**: `amount: 19.9`, `compareAt: 24.9`, so the old price "
    "shows struck through and the new one in the `sale` style\n- **SoldOut**: `soldOut: true`, which renders "
    "\"Sold out\" instead of a price\n\n"
    "Shared defaults are in `meta.args`, and `currency` has a select control so you can try JPY (no "
    "decimals) from the Controls panel. I used `satisfies Meta<typeof PriceTag>` so the story args stay "
    "type-checked against `PriceTagProps`. One thing the stories make visible: `Intl.NumberFormat(undefined, ...)` "
    "uses the viewer's locale, so screenshots will differ between machines. Pass a fixed locale if you add "
    "visual regression tests.",
    "typescript", "react",
)

chain(
    "Add a GET /version route to our axum service that returns the crate version and git sha as JSON. Look at how the routes module is organised first, then make sure it compiles.",
    [
        ("ls", {"dirPath": "src/routes"},
         D("""
             health.rs
             mod.rs
             users.rs
         """)),
        ("read_file", {"filepath": "src/routes/mod.rs"},
         D("""
             use axum::{routing::get, Router};

             use crate::state::AppState;

             mod health;
             mod users;

             pub fn router(state: AppState) -> Router {
                 Router::new()
                     .route("/healthz", get(health::healthz))
                     .nest("/users", users::router())
                     .with_state(state)
             }
         """)),
        ("create_new_file", {"filepath": "src/routes/version.rs", "contents": D("""
             use axum::Json;
             use serde::Serialize;

             #[derive(Serialize)]
             pub struct VersionInfo {
                 version: &'static str,
                 git_sha: &'static str,
             }

             /// GET /version: the crate version and the commit it was built from.
             pub async fn version() -> Json<VersionInfo> {
                 Json(VersionInfo {
                     version: env!("CARGO_PKG_VERSION"),
                     // set at build time, e.g. GIT_SHA=$(git rev-parse --short HEAD) cargo build
                     git_sha: option_env!("GIT_SHA").unwrap_or("unknown"),
                 })
             }
         """) + "\n"},
         "Created src/routes/version.rs"),
        ("run_terminal_command", {"command": "cargo check"},
         D("""
                 Checking ledger-api v0.7.2 (/home/dev/ledger-api)
             warning: function `version` is never used
              --> src/routes/version.rs:11:14
               |
             11 | pub async fn version() -> Json<VersionInfo> {
               |              ^^^^^^^
               |
               = note: `#[warn(dead_code)]` on by default

             warning: `ledger-api` (bin "ledger-api") generated 1 warning
                 Finished `dev` profile [unoptimized + debuginfo] target(s) in 3.87s
         """)),
    ],
    "The handler is written and compiles. The `dead_code` warning is expected, because it isn't routed yet.\n\n"
    "**Created `src/routes/version.rs`**: `version()` returns `Json<VersionInfo>` with `version` from "
    "`CARGO_PKG_VERSION` and `git_sha` from a compile-time `GIT_SHA` env var (`\"unknown\"` if it's not set).\n\n"
    "**To wire it in**, two lines in `src/routes/mod.rs`:\n\n"
    "```rust\nmod version;\n\n// in router():\n        .route(\"/version\", get(version::version))\n```\n\n"
    "Then build with the sha baked in: `GIT_SHA=$(git rev-parse --short HEAD) cargo build --release`. Since "
    "`option_env!` is read at compile time, set it in your Dockerfile's build stage, e.g. as "
    "`ARG GIT_SHA` plus `ENV GIT_SHA=$GIT_SHA`. If you later want it to rebuild automatically whenever the "
    "commit changes, a `build.rs` that runs `git rev-parse` and emits `cargo:rustc-env=GIT_SHA=...` does that.",
    "rust", "axum",
)

chain(
    "Audit the Spring controllers: which ones have endpoints without any @PreAuthorize? List the controllers first.",
    [
        ("file_glob_search", {"pattern": "src/main/java/**/*Controller.java"},
         D("""
             src/main/java/com/shopline/orders/OrderController.java
             src/main/java/com/shopline/catalog/ProductController.java
             src/main/java/com/shopline/admin/RefundController.java
         """)),
        ("grep_search", {"query": r"@PreAuthorize|@(Get|Post|Put|Patch|Delete)Mapping"},
         D("""
             src/main/java/com/shopline/orders/OrderController.java:22:    @GetMapping
             src/main/java/com/shopline/orders/OrderController.java:23:    @PreAuthorize("hasRole('CUSTOMER')")
             src/main/java/com/shopline/orders/OrderController.java:30:    @PostMapping
             src/main/java/com/shopline/orders/OrderController.java:31:    @PreAuthorize("hasRole('CUSTOMER')")
             src/main/java/com/shopline/catalog/ProductController.java:19:    @GetMapping
             src/main/java/com/shopline/catalog/ProductController.java:25:    @GetMapping("/{id}")
             src/main/java/com/shopline/admin/RefundController.java:18:@PreAuthorize("hasRole('ADMIN')")
             src/main/java/com/shopline/admin/RefundController.java:24:    @PostMapping("/{orderId}")
             src/main/java/com/shopline/admin/RefundController.java:41:    @DeleteMapping("/{refundId}")
         """)),
        ("read_file_range", {"filepath": "src/main/java/com/shopline/catalog/ProductController.java", "startLine": 1, "endLine": 35},
         D("""
              1 package com.shopline.catalog;
              2
              3 import org.springframework.web.bind.annotation.*;
              4
              5 import java.util.List;
              6
              7 @RestController
              8 @RequestMapping("/api/products")
              9 public class ProductController {
             10
             11     private final ProductQueryService products;
             12
             13     public ProductController(ProductQueryService products) {
             14         this.products = products;
             15     }
             16
             17     // Public catalogue: browsing does not require an account
             18
             19     @GetMapping
             20     public List<ProductDto> list(@RequestParam(defaultValue = "0") int page) {
             21         return products.list(page);
             22     }
             23
             24
             25     @GetMapping("/{id}")
             26     public ProductDto get(@PathVariable long id) {
             27         return products.get(id);
             28     }
             29 }
         """)),
    ],
    "All three controllers are covered, one way or another:\n\n"
    "- **`OrderController`**: both endpoints (`GET` and `POST`) have `@PreAuthorize(\"hasRole('CUSTOMER')\")`.\n"
    "- **`RefundController`**: `@PreAuthorize(\"hasRole('ADMIN')\")` sits at **class level** (line 18, no "
    "indentation), so it applies to both the `POST /{orderId}` and `DELETE /{refundId}` endpoints.\n"
    "- **`ProductController`**: no `@PreAuthorize` at all, but that's deliberate. The comment on line 17 "
    "says the catalogue is public, and both endpoints are read-only `GET`s.\n\n"
    "So nothing is unprotected by accident. Two caveats:\n"
    "1. `@PreAuthorize` only works with `@EnableMethodSecurity` on a configuration class. Without it these "
    "annotations are silently ignored, so check it's there.\n"
    "2. Make sure the `SecurityFilterChain` marks `/api/products/**` as `permitAll()`; if it requires "
    "authentication for everything, the catalogue isn't actually public.",
    "java", "spring_boot",
)

chain(
    "I'm thinking about turning the function in the file I have open into a suspend function. Who calls it?",
    [
        ("read_currently_open_file", {},
         D("""
             File: app/src/main/java/com/tindr/chat/ChatRepository.kt

             class ChatRepository(
                 private val api: ChatApi,
                 private val dao: MessageDao,
             ) {
                 private val cache = mutableMapOf<String, List<Message>>()

                 fun loadThread(threadId: String): List<Message> {
                     val messages = runBlocking { api.fetchThread(threadId) }
                     dao.insertAll(messages)
                     cache[threadId] = messages
                     return messages
                 }
             }
         """)),
        ("grep_search", {"query": r"\.loadThread\("},
         D("""
             app/src/main/java/com/tindr/chat/ChatViewModel.kt:38:            val messages = withContext(Dispatchers.IO) { repo.loadThread(threadId) }
             app/src/main/java/com/tindr/notifications/ReplyReceiver.kt:29:        val thread = repo.loadThread(intent.getStringExtra(EXTRA_THREAD)!!)
             app/src/test/java/com/tindr/chat/ChatRepositoryTest.kt:22:        val result = repo.loadThread("t1")
         """)),
    ],
    "`ChatRepository.loadThread` currently wraps a suspending API call in `runBlocking`. Making it "
    "`suspend` is the right move. It has three callers:\n\n"
    "1. **`ChatViewModel.kt:38`**: already inside a coroutine (`withContext(Dispatchers.IO) { ... }`). It "
    "becomes a plain `repo.loadThread(threadId)` call, and you can drop the `withContext`, as long as "
    "`dao.insertAll` is itself a suspend DAO method (Room moves it off the main thread then).\n"
    "2. **`ReplyReceiver.kt:29`**: a `BroadcastReceiver`, so **not** in a coroutine. This is the one that "
    "needs work. Use `goAsync()` and launch in a scope, e.g.\n"
    "   ```kotlin\n   val pending = goAsync()\n   scope.launch {\n       try { repo.loadThread(threadId) } finally { pending.finish() }\n   }\n   ```\n"
    "   Today it's calling `runBlocking` on the main thread inside `onReceive`, which risks an ANR, so "
    "the change fixes a real problem there too.\n"
    "3. **`ChatRepositoryTest.kt:22`**: wrap the test body in `runTest { ... }`.\n\n"
    "Also note `cache` is a plain `mutableMapOf` touched from several threads. Once the function suspends "
    "and callers run concurrently, guard it with a `Mutex` or use a `ConcurrentHashMap`.",
    "kotlin", "android",
)

chain(
    "swift test is failing on the itinerary tests. Run just those and figure out why.",
    [
        ("run_terminal_command", {"command": "swift test --filter ItineraryTests"},
         D("""
             Building for debugging...
             Build complete! (4.12s)
             Test Suite 'Selected tests' started at 2024-06-14 09:12:44.310.
             Test Suite 'ItineraryTests' started at 2024-06-14 09:12:44.311.
             Test Case '-[TripKitTests.ItineraryTests testTotalDurationIncludesTransfers]' started.
             /home/dev/TripKit/Tests/TripKitTests/ItineraryTests.swift:25: error: -[TripKitTests.ItineraryTests testTotalDurationIncludesTransfers] : XCTAssertEqual failed: ("5400.0") is not equal to ("7200.0")
             Test Case '-[TripKitTests.ItineraryTests testTotalDurationIncludesTransfers]' failed (0.002 seconds).
             Test Case '-[TripKitTests.ItineraryTests testEmptyItineraryHasZeroDuration]' passed (0.000 seconds).
             Test Suite 'ItineraryTests' failed at 2024-06-14 09:12:44.313.
             \t Executed 2 tests, with 1 failure (0 unexpected) in 0.002 (0.003) seconds
         """)),
        ("read_file_range", {"filepath": "Tests/TripKitTests/ItineraryTests.swift", "startLine": 14, "endLine": 26},
         D("""
             14     func testTotalDurationIncludesTransfers() {
             15         let stops = [
             16             Stop(name: "Museum", stay: .seconds(60 * 60)),
             17             Stop(name: "Lunch", stay: .seconds(30 * 60)),
             18             Stop(name: "Viewpoint", stay: .zero),   // drive-by stop, no time spent
             19         ]
             20         let itinerary = Itinerary(stops: stops, transfer: .seconds(15 * 60))
             21
             22         // 90 min of stays + 2 transfers of 15 min = 120 min.
             23         // A stop you only pass through still takes a transfer to reach.
             24
             25         XCTAssertEqual(itinerary.totalDuration, 120 * 60)
             26     }
         """)),
        ("read_file_range", {"filepath": "Sources/TripKit/Models/Itinerary.swift", "startLine": 1, "endLine": 24},
         D("""
              1 import Foundation
              2
              3 public struct Itinerary: Equatable {
              4     public var stops: [Stop]
              5     public var transfer: Duration
              6
              7     public init(stops: [Stop], transfer: Duration) {
              8         self.stops = stops
              9         self.transfer = transfer
             10     }
             11
             12     /// Sum of all stays plus one transfer between consecutive stops, in seconds.
             13     public var totalDuration: TimeInterval {
             14         let stays = stops.reduce(Duration.zero) { $0 + $1.stay }
             15         // open-ended stops: don't guess travel time
             16         guard stops.allSatisfy({ $0.stay > .zero }) else {
             17             return TimeInterval(stays.components.seconds)
             18         }
             19         let transfers = transfer * max(stops.count - 1, 0)
             20         return TimeInterval((stays + transfers).components.seconds)
             21     }
             22 }
         """)),
    ],
    "The bug is in `Itinerary.totalDuration`, not in the test.\n\n"
    "**What happens**: the test has three stops (60 min, 30 min, and a drive-by `Viewpoint` with a "
    "stay of `.zero`) and 15-minute transfers. It expects 90 + 2 × 15 = **120 min (7200 s)** but gets "
    "**5400 s (90 min)**, i.e. the stays with no transfers at all.\n\n"
    "**Why**: lines 15–18 of `Sources/TripKit/Models/Itinerary.swift`:\n\n"
    "```swift\n// open-ended stops: don't guess travel time\nguard stops.allSatisfy({ $0.stay > .zero }) else {\n"
    "    return TimeInterval(stays.components.seconds)\n}\n```\n\n"
    "As soon as *any* stop has a zero stay, this guard drops **every** transfer. That contradicts the doc "
    "comment on line 12 (\"plus one transfer between consecutive stops\") and the test's rule that a "
    "pass-through stop still takes a transfer to reach.\n\n"
    "**Fix**: delete the guard, so lines 14, 19 and 20 do the whole job:\n\n"
    "```swift\npublic var totalDuration: TimeInterval {\n    let stays = stops.reduce(Duration.zero) { $0 + $1.stay }\n"
    "    let transfers = transfer * max(stops.count - 1, 0)\n    return TimeInterval((stays + transfers).components.seconds)\n}\n```\n\n"
    "If \"open-ended\" stops were meant to be a real concept (unknown duration rather than zero), model "
    "them explicitly, e.g. `stay: Duration?`, instead of overloading `.zero`. Then `swift test --filter "
    "ItineraryTests` should pass.",
    "swift", None,
)

chain(
    "A bunch of queued jobs failed overnight. Check the failed queue and look at the job class that's failing.",
    [
        ("run_terminal_command", {"command": "php artisan queue:failed"},
         D("""
             +--------------------------------------+------------+---------+---------------------------------+---------------------+
             | ID                                   | Connection | Queue   | Class                           | Failed At           |
             +--------------------------------------+------------+---------+---------------------------------+---------------------+
             | 5b1f0c3e-9a2d-4c7e-8f11-2d6c0b9e4a71 | redis      | default | App\\Jobs\\SendInvoiceReminder | 2024-06-14 02:00:14 |
             | 9e7d2a44-1c3b-4f5e-a0d9-7b8c6e5f4a32 | redis      | default | App\\Jobs\\SendInvoiceReminder | 2024-06-14 02:00:14 |
             | c03a6f19-8e2b-47d1-b5c4-1f9e8d7a6b50 | redis      | default | App\\Jobs\\SendInvoiceReminder | 2024-06-14 02:00:15 |
             +--------------------------------------+------------+---------+---------------------------------+---------------------+
         """)),
        ("read_file", {"filepath": "app/Jobs/SendInvoiceReminder.php"},
         D("""
             <?php

             namespace App\\Jobs;

             use App\\Mail\\InvoiceReminder;
             use App\\Models\\Invoice;
             use Illuminate\\Bus\\Queueable;
             use Illuminate\\Contracts\\Queue\\ShouldQueue;
             use Illuminate\\Foundation\\Bus\\Dispatchable;
             use Illuminate\\Queue\\InteractsWithQueue;
             use Illuminate\\Queue\\SerializesModels;
             use Illuminate\\Support\\Facades\\Mail;

             class SendInvoiceReminder implements ShouldQueue
             {
                 use Dispatchable, InteractsWithQueue, Queueable, SerializesModels;

                 public int $tries = 1;

                 public function __construct(public Invoice $invoice) {}

                 public function handle(): void
                 {
                     Mail::to($this->invoice->team->billing_email)
                         ->send(new InvoiceReminder($this->invoice));

                     $this->invoice->update(['reminded_at' => now()]);
                 }
             }
         """)),
    ],
    "All three failures are `App\\Jobs\\SendInvoiceReminder`, failed within one second of each other at "
    "02:00, which points to the nightly reminder run.\n\n"
    "Looking at the job, the likely culprits are:\n\n"
    "1. **`$this->invoice->team->billing_email` is null** for some teams. `Mail::to(null)` throws, and with "
    "`$tries = 1` the job fails immediately without retrying.\n"
    "2. **A mail provider hiccup** at 02:00. Again, `$tries = 1` means one transient error fails the job for good.\n\n"
    "The `queue:failed` table doesn't show the exception itself; it's in the `exception` column of the "
    "`failed_jobs` row (e.g. for `5b1f0c3e-...`). Whatever it turns out to be, this hardens the job:\n\n"
    "```php\npublic int $tries = 3;\npublic array $backoff = [60, 300];\n\npublic function handle(): void\n{\n"
    "    $email = $this->invoice->team->billing_email;\n    if (! $email) {\n"
    "        $this->fail(new \\RuntimeException(\"Team {$this->invoice->team_id} has no billing email\"));\n"
    "        return;\n    }\n    // ...\n}\n```\n\n"
    "Once the cause is fixed, `php artisan queue:retry all` re-runs the three jobs. Reminders are "
    "idempotent enough here, since `reminded_at` is only set after a successful send.",
    "php", "laravel",
)

chain(
    "Apply the newest Ecto migration locally, but check first that it doesn't drop or rename anything.",
    [
        ("file_glob_search", {"pattern": "priv/repo/migrations/*.exs"},
         D("""
             priv/repo/migrations/20240301090000_create_accounts.exs
             priv/repo/migrations/20240315121500_create_entries.exs
             priv/repo/migrations/20240502083000_add_import_rows.exs
             priv/repo/migrations/20240612140512_add_currency_to_entries.exs
         """)),
        ("read_file", {"filepath": "priv/repo/migrations/20240612140512_add_currency_to_entries.exs"},
         D("""
             defmodule Ledger.Repo.Migrations.AddCurrencyToEntries do
               use Ecto.Migration

               def change do
                 alter table(:entries) do
                   add :currency, :string, size: 3, null: false, default: "EUR"
                 end

                 create index(:entries, [:account_id, :currency])
               end
             end
         """)),
        ("run_terminal_command", {"command": "mix ecto.migrate"},
         D("""
             14:05:31.204 [info] == Running 20240612140512 Ledger.Repo.Migrations.AddCurrencyToEntries.change/0 forward
             14:05:31.207 [info] alter table entries
             14:05:31.219 [info] create index entries_account_id_currency_index
             14:05:31.231 [info] == Migrated 20240612140512 in 0.0s
         """)),
    ],
    "The newest migration, `20240612140512_add_currency_to_entries.exs`, was safe, and it's now applied.\n\n"
    "**What it does** (purely additive):\n"
    "- adds `entries.currency`, a 3-character string, `NOT NULL` with default `\"EUR\"`, so existing rows "
    "get EUR\n- creates the index `entries_account_id_currency_index` on `(account_id, currency)`\n\n"
    "There's no `remove`, `rename` or `drop`, and since it uses `change/0`, `mix ecto.rollback` can undo it.\n\n"
    "It ran in a fraction of a second locally. On a large production `entries` table, keep in mind that "
    "a plain `create index` locks writes while it builds. If that table is big, consider a separate "
    "migration with `create index(..., concurrently: true)` plus `@disable_ddl_transaction true` and "
    "`@disable_migration_lock true`.",
    "elixir", "phoenix",
)

chain(
    "The C++ build broke with a linker error after I added the palette code. Build it and figure out what's missing.",
    [
        ("run_terminal_command", {"command": "cmake --build build -j 8"},
         D("""
             [ 12%] Building CXX object CMakeFiles/tilemap.dir/src/chunk.cpp.o
             [ 25%] Building CXX object CMakeFiles/tilemap.dir/src/tilemap.cpp.o
             [ 37%] Linking CXX static library libtilemap.a
             [ 50%] Built target tilemap
             [ 62%] Building CXX object tests/CMakeFiles/tilemap_tests.dir/palette_test.cpp.o
             [ 75%] Linking CXX executable tests/tilemap_tests
             /usr/bin/ld: tests/CMakeFiles/tilemap_tests.dir/palette_test.cpp.o: in function `PaletteTest_QuantizesToNearest_Test::TestBody()':
             palette_test.cpp:(.text+0x9a): undefined reference to `tilemap::Palette::nearest(tilemap::Rgb) const'
             collect2: error: ld returned 1 exit status
             gmake[2]: *** [tests/CMakeFiles/tilemap_tests.dir/build.make:98: tests/tilemap_tests] Error 1
             gmake: *** [Makefile:136: all] Error 2
         """)),
        ("grep_search", {"query": r"Palette::nearest"},
         D("""
             src/palette.cpp:31:Rgb Palette::nearest(Rgb colour) const {
             include/tilemap/palette.hpp:18:    [[nodiscard]] Rgb nearest(Rgb colour) const;
         """)),
        ("read_file", {"filepath": "CMakeLists.txt"},
         D("""
             cmake_minimum_required(VERSION 3.24)
             project(tilemap VERSION 0.3.0 LANGUAGES CXX)

             set(CMAKE_CXX_STANDARD 20)
             set(CMAKE_CXX_STANDARD_REQUIRED ON)
             set(CMAKE_CXX_EXTENSIONS OFF)
             set(CMAKE_EXPORT_COMPILE_COMMANDS ON)

             find_package(fmt 10 REQUIRED)

             add_library(tilemap
                 src/atlas.cpp
                 src/chunk.cpp
                 src/tilemap.cpp)
             target_include_directories(tilemap PUBLIC include)
             target_link_libraries(tilemap PUBLIC fmt::fmt)

             if(BUILD_TESTING)
                 add_subdirectory(tests)
             endif()
         """)),
    ],
    "`Palette::nearest` is declared in `include/tilemap/palette.hpp:18` and defined in "
    "`src/palette.cpp:31`, but **`src/palette.cpp` isn't in the `tilemap` library's source list**. "
    "The build log confirms it: only `chunk.cpp` and `tilemap.cpp` were compiled, and `palette.cpp` never was, "
    "so the test links against a library without that symbol.\n\n"
    "Add it in `CMakeLists.txt`:\n\n"
    "```cmake\nadd_library(tilemap\n    src/atlas.cpp\n    src/chunk.cpp\n    src/palette.cpp\n    src/tilemap.cpp)\n```\n\n"
    "Then rerun `cmake --build build -j 8`. CMake will re-configure on its own, since `CMakeLists.txt` "
    "changed. Listing sources explicitly like this is good practice (better than `file(GLOB ...)`), but it "
    "means every new `.cpp` has to be added by hand.",
    "cpp", None,
)

chain(
    "We're still on pydantic v1-style @validator decorators. Look up the official v2 migration guidance for validators, then find everywhere we use them.",
    [
        ("search_web", {"query": "pydantic v2 migration guide validator to field_validator"},
         D("""
             1. Migration Guide - Pydantic
                https://docs.pydantic.dev/latest/migration/
                @validator and @root_validator are deprecated... replaced by @field_validator and @model_validator ... changes to the signature ...

             2. Validators - Pydantic
                https://docs.pydantic.dev/latest/concepts/validators/
                Field validators: after, before, plain and wrap validators ...

             3. bump-pydantic: a tool to help migrate code from Pydantic V1 to V2
                https://github.com/pydantic/bump-pydantic
         """)),
        ("fetch_url_content", {"url": "https://docs.pydantic.dev/latest/migration/"},
         D("""
             Changes to validators
             @validator and @root_validator are deprecated
             @validator has been deprecated, and should be replaced with @field_validator, which provides various new features and improvements.
             The new @field_validator decorator does not have the each_item keyword argument; validators you want to apply to items within a generic container should be added by annotating the type argument instead.
             If you use always=True, set validate_default=True on the Field instead.
             The values argument is no longer available: use the info: ValidationInfo argument and info.data instead.
             Field validators must be classmethods; @field_validator should be placed above @classmethod.
             @root_validator has been deprecated, and should be replaced with @model_validator ... mode='before' or mode='after'.
             Tool: bump-pydantic can perform many of these changes automatically.
         """)),
        ("grep_search", {"query": r"@(validator|root_validator)\("},
         D("""
             app/schemas/orders.py:22:    @validator("quantity")
             app/schemas/orders.py:30:    @validator("sku", pre=True)
             app/schemas/orders.py:37:    @root_validator(skip_on_failure=True)
             app/schemas/users.py:15:    @validator("email", always=True)
             app/schemas/users.py:24:    @validator("tags", each_item=True)
         """)),
    ],
    "**What the migration guide says** (docs.pydantic.dev/latest/migration):\n"
    "- `@validator` → `@field_validator`, placed **above** `@classmethod`.\n"
    "- `pre=True` → `mode=\"before\"`.\n"
    "- `always=True` is gone: put `validate_default=True` on the `Field` instead.\n"
    "- `each_item=True` is gone: validate the item type instead, e.g. `list[Annotated[str, AfterValidator(...)]]`.\n"
    "- `values` becomes `info: ValidationInfo`, and you read `info.data`.\n"
    "- `@root_validator` → `@model_validator(mode=\"before\" | \"after\")`.\n\n"
    "**Our five usages, and what each needs:**\n\n"
    "| Location | Now | v2 |\n|---|---|---|\n"
    "| `app/schemas/orders.py:22` | `@validator(\"quantity\")` | `@field_validator(\"quantity\")` + `@classmethod` |\n"
    "| `app/schemas/orders.py:30` | `@validator(\"sku\", pre=True)` | `@field_validator(\"sku\", mode=\"before\")` |\n"
    "| `app/schemas/orders.py:37` | `@root_validator(skip_on_failure=True)` | `@model_validator(mode=\"after\")` (runs on the built model, so take `self`) |\n"
    "| `app/schemas/users.py:15` | `@validator(\"email\", always=True)` | `@field_validator(\"email\")` + `Field(validate_default=True)` |\n"
    "| `app/schemas/users.py:24` | `@validator(\"tags\", each_item=True)` | `tags: list[Annotated[str, AfterValidator(check_tag)]]` |\n\n"
    "The guide also points to **bump-pydantic**, which automates much of this: `pip install bump-pydantic && "
    "bump-pydantic app`. Review its diff by hand for the `each_item` and `always` cases, which it can't "
    "always convert.",
    "python", "pydantic",
)

chain(
    "The React 19 upgrade warns that useFormState is deprecated. Read the docs on what replaces it and find where we still use it.",
    [
        ("search_web", {"query": "React 19 useFormState renamed useActionState"},
         D("""
             1. useActionState – React
                https://react.dev/reference/react/useActionState
                useActionState is a Hook that allows you to update state based on the result of a form action.

             2. React v19 – React
                https://react.dev/blog/2024/12/05/react-19
                ... ReactDOM.useFormState is deprecated in favor of React.useActionState ...
         """)),
        ("fetch_url_content", {"url": "https://react.dev/reference/react/useActionState"},
         D("""
             useActionState
             useActionState is a Hook that allows you to update state based on the result of a form action.
                 const [state, formAction, isPending] = useActionState(fn, initialState, permalink?);
             Note: In earlier React Canary versions, this API was part of React DOM and called useFormState.
             Parameters
               fn: The function to be called when the form is submitted or button pressed. When the function is called, it will receive the previous state of the form (initially the initialState that you pass, subsequently its previous return value) as its initial argument, followed by the arguments that a form action normally receives.
               initialState: The value you want the state to be initially.
               optional permalink
             Returns
               useActionState returns an array with the following values:
                 1. The current state.
                 2. A new action that you can pass as the action prop to your form component or formAction prop to any button component within the form.
                 3. The isPending flag that tells you whether there is a pending Transition.
         """)),
        ("grep_search", {"query": r"useFormState"},
         D("""
             app/(auth)/signup/SignupForm.tsx:3:import { useFormState, useFormStatus } from 'react-dom'
             app/(auth)/signup/SignupForm.tsx:12:  const [state, formAction] = useFormState(signup, initialState)
             app/settings/ProfileForm.tsx:2:import { useFormState } from 'react-dom'
             app/settings/ProfileForm.tsx:9:  const [state, formAction] = useFormState(updateProfile, { ok: false })
         """)),
    ],
    "In React 19, **`useFormState` from `react-dom` became `useActionState` from `react`**. The signature "
    "is the same, plus a **third return value, `isPending`**.\n\n"
    "We use it in two files:\n\n"
    "- `app/(auth)/signup/SignupForm.tsx` (lines 3, 12)\n- `app/settings/ProfileForm.tsx` (lines 2, 9)\n\n"
    "The change in each:\n\n"
    "```tsx\n// before\nimport { useFormState } from 'react-dom'\nconst [state, formAction] = useFormState(signup, initialState)\n\n"
    "// after\nimport { useActionState } from 'react'\nconst [state, formAction, isPending] = useActionState(signup, initialState)\n```\n\n"
    "Keep `useFormStatus` in `SignupForm.tsx`: it still lives in `react-dom` and isn't deprecated. With "
    "`isPending` available, a submit button that only exists to show a spinner may not need "
    "`useFormStatus` at all.",
    "typescript", "nextjs",
)

chain(
    "I'm picking up the notifications work. Map out the repo, then open whatever renders the email templates.",
    [
        ("view_repo_map", {},
         D("""
             src/index.ts
                 bootstrap()
             src/notifications/dispatcher.ts
                 class NotificationDispatcher
                     dispatch(event)
                     private channelsFor(user)
             src/notifications/channels/email.ts
                 class EmailChannel implements Channel
                     send(user, message)
             src/notifications/channels/push.ts
                 class PushChannel implements Channel
             src/notifications/templates/render.ts
                 renderTemplate(name, data, locale)
                 loadPartials()
             src/notifications/templates/order-shipped.hbs
             src/notifications/templates/password-reset.hbs
             src/users/preferences.ts
                 getNotificationPreferences(userId)
         """)),
        ("read_file", {"filepath": "src/notifications/templates/render.ts"},
         D("""
             import Handlebars from 'handlebars'
             import { readFileSync, readdirSync } from 'node:fs'
             import path from 'node:path'

             const dir = path.join(__dirname)
             const compiled = new Map<string, Handlebars.TemplateDelegate>()

             export function loadPartials(): void {
               for (const file of readdirSync(path.join(dir, 'partials'))) {
                 const name = path.basename(file, '.hbs')
                 Handlebars.registerPartial(name, readFileSync(path.join(dir, 'partials', file), 'utf8'))
               }
             }

             export function renderTemplate(name: string, data: Record<string, unknown>, locale = 'en'): string {
               const key = `${name}.${locale}`
               let tpl = compiled.get(key)
               if (!tpl) {
                 const file = path.join(dir, `${name}.hbs`)
                 tpl = Handlebars.compile(readFileSync(file, 'utf8'))
                 compiled.set(key, tpl)
               }
               return tpl({ ...data, locale })
             }
         """)),
    ],
    "**How notifications are laid out**\n\n"
    "- `NotificationDispatcher` (`src/notifications/dispatcher.ts`) takes an event, looks up the user's "
    "channels (using `getNotificationPreferences` from `src/users/preferences.ts`), and hands the "
    "message to `EmailChannel` or `PushChannel`.\n"
    "- Email bodies come from Handlebars templates in `src/notifications/templates/` "
    "(`order-shipped.hbs`, `password-reset.hbs`), rendered by `render.ts`.\n\n"
    "**`render.ts`**\n"
    "- `loadPartials()` registers every `.hbs` in `templates/partials/` as a partial. It must run once at "
    "startup, before any render.\n"
    "- `renderTemplate(name, data, locale)` compiles `<name>.hbs` on first use, caches it, and renders "
    "with `locale` merged into the data.\n\n"
    "**Worth knowing before you change anything**: the cache key includes the locale (`order-shipped.de`), "
    "but the file loaded is always `<name>.hbs`. So there's no per-locale template; the same template is "
    "compiled once per locale and cached. Translations must happen inside the template via `locale`. Also, "
    "`path.join(__dirname)` means the `.hbs` files must be copied next to the compiled JS in `dist/`, or "
    "rendering fails in production.",
    "typescript", "nodejs",
)

chain(
    "sbt compile broke after the Play upgrade. Run it and show me the code that fails.",
    [
        ("run_terminal_command", {"command": "sbt -batch compile"},
         D("""
             [info] welcome to sbt 1.10.0 (Eclipse Adoptium Java 21.0.3)
             [info] loading project definition from /home/dev/fleet-dashboard/project
             [info] compiling 42 Scala sources to /home/dev/fleet-dashboard/target/scala-2.13/classes ...
             [error] /home/dev/fleet-dashboard/app/controllers/TripsController.scala:33:28: value withHeaders is not a member of play.api.libs.ws.WSRequest
             [error] did you mean withHttpHeaders?
             [error]       ws.url(routingUrl).withHeaders("X-Api-Key" -> apiKey).get()
             [error]                         ^
             [error] one error found
             [error] (Compile / compileIncremental) Compilation failed
         """)),
        ("read_file_range", {"filepath": "app/controllers/TripsController.scala", "startLine": 25, "endLine": 45},
         D("""
             25   def eta(tripId: Long): Action[AnyContent] = Action.async {
             26     trips.find(tripId).flatMap {
             27       case None => Future.successful(NotFound)
             28       case Some(trip) =>
             29         val routingUrl = s"$routingBase/v1/eta?from=${trip.origin}&to=${trip.destination}"
             30         ws.url(routingUrl)
             31           .addQueryStringParameters("mode" -> "truck")
             32           .withRequestTimeout(5.seconds)
             33         ws.url(routingUrl).withHeaders("X-Api-Key" -> apiKey).get()
             34           .map(r => Ok(r.json))
             35     }
             36   }
         """)),
    ],
    "One compile error: `TripsController.scala:33` calls **`withHeaders`**, which Play removed from `WSRequest`. "
    "The replacement is **`withHttpHeaders`**, as the compiler suggests.\n\n"
    "There's a second, silent bug in the same method: lines 30–32 build a request with "
    "`addQueryStringParameters` and `withRequestTimeout`, **then throw it away** (WSRequest is immutable), "
    "and line 33 builds a fresh request without the `mode=truck` parameter or the timeout. Combine them:\n\n"
    "```scala\nws.url(routingUrl)\n  .addQueryStringParameters(\"mode\" -> \"truck\")\n  .withRequestTimeout(5.seconds)\n"
    "  .withHttpHeaders(\"X-Api-Key\" -> apiKey)\n  .get()\n  .map(r => Ok(r.json))\n```\n\n"
    "While you're there: `origin` and `destination` are interpolated straight into the URL. Passing them "
    "via `addQueryStringParameters` as well would URL-encode them properly.",
    "scala", "play",
)

chain(
    "Check what I've changed and run the specs for the billing services before I open a PR.",
    [
        ("view_diff", {},
         D("""
             diff --git a/app/services/billing/charge_customer.rb b/app/services/billing/charge_customer.rb
             index 3c4d5e6..7f8a9b0 100644
             --- a/app/services/billing/charge_customer.rb
             +++ b/app/services/billing/charge_customer.rb
             @@ -30,10 +30,14 @@ module Billing
                    charge = Gateway.charge!(subscription.customer_ref, amount_cents: subscription.price_cents)
                    subscription.update!(status: "active", retry_count: 0, last_charged_at: Time.current)
                    charge
             -    rescue Gateway::CardDeclined
             -      subscription.update_columns(status: "past_due", retry_count: subscription.retry_count + 1)
             +    rescue Gateway::CardDeclined => e
             +      subscription.with_lock do
             +        subscription.increment!(:retry_count)
             +        subscription.update!(status: "past_due")
             +      end
             +      DunningMailer.card_declined(subscription, reason: e.message).deliver_later
                    nil
                  end
         """)),
        ("run_terminal_command", {"command": "bundle exec rspec spec/services/billing"},
         D("""
             ..........F..

             Failures:

               1) Billing::ChargeCustomer when the card is declined does not send email for trial subscriptions
                  Failure/Error: expect(DunningMailer).not_to receive(:card_declined)
                    (DunningMailer (class)).card_declined(#<Subscription id: 12, status: "past_due", ...>, {:reason=>"insufficient_funds"})
                        expected: 0 times with any arguments
                        received: 1 time with arguments: (#<Subscription id: 12 ...>, {:reason=>"insufficient_funds"})
                  # ./spec/services/billing/charge_customer_spec.rb:64:in `block (3 levels) in <top (required)>'

             Finished in 1.92 seconds (files took 3.41 seconds to load)
             13 examples, 1 failure

             Failed examples:

             rspec ./spec/services/billing/charge_customer_spec.rb:61 # Billing::ChargeCustomer when the card is declined does not send email for trial subscriptions
         """)),
    ],
    "**Your change** (`app/services/billing/charge_customer.rb`): on `CardDeclined`, you replaced "
    "`update_columns` with `increment!` + `update!` inside `with_lock` (a good fix: callbacks run now, "
    "and concurrent retries can't lose an increment) and added a `DunningMailer.card_declined` email.\n\n"
    "**Specs**: 12 of 13 pass. The failure is a rule you've broken, not a flaky test:\n\n"
    "> `charge_customer_spec.rb:61`: *\"does not send email for trial subscriptions\"*\n\n"
    "The new mailer call runs for every declined card, trials included. Guard it:\n\n"
    "```ruby\nDunningMailer.card_declined(subscription, reason: e.message).deliver_later unless subscription.trial?\n```\n\n"
    "(use whatever predicate the spec sets up for trials). One more thing before the PR: `e.message` from "
    "the gateway goes straight into a customer email. Mapping gateway codes like `insufficient_funds` to "
    "friendly copy in the mailer would read better than raw codes.",
    "ruby", "rails",
)

chain(
    "Review scripts/deploy.sh for me and run shellcheck on it.",
    [
        ("read_file", {"filepath": "scripts/deploy.sh"},
         D("""
             #!/bin/bash
             set -e

             ENV=$1
             TAG=$(git describe --tags --always)
             HOSTS=$(cat deploy/$ENV.hosts)

             for host in $HOSTS; do
               echo "Deploying $TAG to $host"
               ssh deploy@$host "cd /srv/app && docker compose pull && TAG=$TAG docker compose up -d"
             done

             rm -rf /tmp/deploy-$ENV/*
         """)),
        ("run_terminal_command", {"command": "shellcheck scripts/deploy.sh"},
         D("""
             In scripts/deploy.sh line 6:
             HOSTS=$(cat deploy/$ENV.hosts)
                            ^--^ SC2086 (info): Double quote to prevent globbing and word splitting.

             In scripts/deploy.sh line 10:
               ssh deploy@$host "cd /srv/app && docker compose pull && TAG=$TAG docker compose up -d"
                          ^---^ SC2086 (info): Double quote to prevent globbing and word splitting.

             In scripts/deploy.sh line 13:
             rm -rf /tmp/deploy-$ENV/*
                    ^----------------^ SC2115 (warning): Use "${var:?}" to ensure this never expands to /* .

             For more information:
               https://www.shellcheck.net/wiki/SC2086 -- Double quote to prevent globbing ...
               https://www.shellcheck.net/wiki/SC2115 -- Use "${var:?}" to ensure this nev...
         """)),
    ],
    "ShellCheck found 3 issues, and reading the script I'd add two more.\n\n"
    "**From ShellCheck**\n"
    "1. **SC2115 (line 13)**: `rm -rf /tmp/deploy-$ENV/*`. If `ENV` is empty it becomes `/tmp/deploy-/*`. "
    "That's not catastrophic here, but the pattern is how `rm -rf /` accidents happen. Use `\"${ENV:?}\"`.\n"
    "2. **SC2086 (lines 6 and 10)**: unquoted `$ENV` and `$host`. Quote them.\n\n"
    "**From reading it**\n"
    "3. There's no argument check: `./deploy.sh` with no argument reads `deploy/.hosts` and fails with a "
    "confusing `cat` error. Validate early: `ENV=${1:?usage: deploy.sh <staging|prod>}`.\n"
    "4. `docker compose pull` runs *before* `TAG=$TAG` is set on the remote side, so if the compose file "
    "uses `${TAG}`, it pulls the wrong (default) tag. Put `TAG=...` in front of both commands, or `export` it.\n\n"
    "A tightened version of the top:\n\n"
    "```bash\n#!/usr/bin/env bash\nset -euo pipefail\n\nENV=${1:?usage: $0 <staging|prod>}\n"
    "TAG=$(git describe --tags --always)\nmapfile -t HOSTS < \"deploy/${ENV}.hosts\"\n\n"
    "for host in \"${HOSTS[@]}\"; do\n  echo \"Deploying $TAG to $host\"\n"
    "  ssh \"deploy@$host\" \"cd /srv/app && export TAG='$TAG' && docker compose pull && docker compose up -d\"\ndone\n\n"
    "rm -rf \"/tmp/deploy-${ENV:?}\"/*\n```",
    "bash", None,
)

chain(
    "Before I run the newest SQL migration against staging, check what's in db/migrations and make sure the latest one won't lock the ledger table for long.",
    [
        ("ls", {"dirPath": "db/migrations"},
         D("""
             000001_create_accounts.down.sql
             000001_create_accounts.up.sql
             000002_create_ledger_entries.down.sql
             000002_create_ledger_entries.up.sql
             000003_add_entries_idempotency_key.down.sql
             000003_add_entries_idempotency_key.up.sql
             000004_entries_booked_at_index.down.sql
             000004_entries_booked_at_index.up.sql
         """)),
        ("read_file", {"filepath": "db/migrations/000004_entries_booked_at_index.up.sql"},
         D("""
             ALTER TABLE ledger_entries ADD COLUMN booked_at TIMESTAMPTZ;
             UPDATE ledger_entries SET booked_at = created_at WHERE booked_at IS NULL;
             ALTER TABLE ledger_entries ALTER COLUMN booked_at SET NOT NULL;
             CREATE INDEX ledger_entries_booked_at_idx ON ledger_entries (account_id, booked_at);
         """)),
    ],
    "The newest migration is `000004_entries_booked_at_index`, and as written **it will lock "
    "`ledger_entries` for a long time** on a table of any size:\n\n"
    "1. `ADD COLUMN booked_at TIMESTAMPTZ` (nullable, no default) is instant. Fine.\n"
    "2. **`UPDATE ... SET booked_at = created_at`** rewrites every row in one transaction: row locks on "
    "the whole table, a lot of WAL, and table bloat.\n"
    "3. **`SET NOT NULL`** takes an `ACCESS EXCLUSIVE` lock and scans the whole table to verify it.\n"
    "4. **`CREATE INDEX`** without `CONCURRENTLY` blocks all writes until the index is built.\n\n"
    "Safer plan, split into separate migrations:\n\n"
    "```sql\n-- 000004: add the column (instant)\nALTER TABLE ledger_entries ADD COLUMN booked_at TIMESTAMPTZ;\n\n"
    "-- backfill in batches from a script/job, e.g. 10k rows at a time:\n"
    "-- UPDATE ledger_entries SET booked_at = created_at\n"
    "--  WHERE id IN (SELECT id FROM ledger_entries WHERE booked_at IS NULL LIMIT 10000);\n\n"
    "-- 000005: enforce NOT NULL without a long exclusive lock\n"
    "ALTER TABLE ledger_entries ADD CONSTRAINT booked_at_not_null CHECK (booked_at IS NOT NULL) NOT VALID;\n"
    "ALTER TABLE ledger_entries VALIDATE CONSTRAINT booked_at_not_null;\n\n"
    "-- 000006: index without blocking writes (must run outside a transaction)\n"
    "CREATE INDEX CONCURRENTLY ledger_entries_booked_at_idx ON ledger_entries (account_id, booked_at);\n```\n\n"
    "golang-migrate runs a multi-statement file in a single transaction on Postgres, so "
    "`CREATE INDEX CONCURRENTLY` has to be **alone in its own file** to work. Since 000004 hasn't been "
    "applied anywhere yet, you can still rewrite it in place.",
    "sql", None,
)

chain(
    "Where do we use IDistributedCache? Show me how the main usage sets expirations, then make sure the API project builds.",
    [
        ("grep_search", {"query": "IDistributedCache"},
         D("""
             src/Api/Program.cs:14:builder.Services.AddStackExchangeRedisCache(o => o.Configuration = builder.Configuration.GetConnectionString("Redis"));
             src/Billing/Pricing/ExchangeRateProvider.cs:11:    private readonly IDistributedCache _cache;
             src/Billing/Pricing/ExchangeRateProvider.cs:15:    public ExchangeRateProvider(IDistributedCache cache, HttpClient http)
             tests/Billing.Tests/ExchangeRateProviderTests.cs:18:        var cache = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
         """)),
        ("read_file_range", {"filepath": "src/Billing/Pricing/ExchangeRateProvider.cs", "startLine": 20, "endLine": 48},
         D("""
             20     public async Task<decimal> GetRateAsync(string from, string to, CancellationToken ct)
             21     {
             22         var key = $"fx:{from}:{to}";
             23         var cached = await _cache.GetStringAsync(key, ct);
             24         if (cached is not null)
             25             return decimal.Parse(cached, CultureInfo.InvariantCulture);
             26
             27         var rate = await FetchRateAsync(from, to, ct);
             28         await _cache.SetStringAsync(key, rate.ToString(CultureInfo.InvariantCulture),
             29             new DistributedCacheEntryOptions
             30             {
             31                 SlidingExpiration = TimeSpan.FromHours(1),
             32             }, ct);
             33         return rate;
             34     }
         """)),
        ("run_terminal_command", {"command": "dotnet build src/Api --nologo -v q"},
         D("""
               Determining projects to restore...
               All projects are up-to-date for restore.
               Billing -> /home/dev/shop/src/Billing/bin/Debug/net8.0/Billing.dll
               Api -> /home/dev/shop/src/Api/bin/Debug/net8.0/Api.dll

             Build succeeded.
                 0 Warning(s)
                 0 Error(s)
         """)),
    ],
    "`IDistributedCache` is registered once in `src/Api/Program.cs:14` (Redis via "
    "`AddStackExchangeRedisCache`) and used in one place, `ExchangeRateProvider`. The test uses the "
    "in-memory implementation.\n\n"
    "**How it expires entries**: `GetRateAsync` caches `fx:{from}:{to}` with **`SlidingExpiration = 1 hour`** "
    "and nothing else. That's a problem for exchange rates: every read resets the sliding window, so a "
    "popular pair like `EUR:USD` that's requested at least once an hour **never expires**, and you could "
    "serve a days-old rate. Use an absolute expiry instead:\n\n"
    "```csharp\nnew DistributedCacheEntryOptions\n{\n    AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(30),\n}\n```\n\n"
    "Also, two concurrent cache misses will both call `FetchRateAsync`. That's harmless for rates, but on "
    ".NET 9 `HybridCache` handles that stampede for you.\n\n"
    "**Build**: `src/Api` (and `Billing`) build cleanly with 0 warnings and 0 errors.",
    "csharp", "aspnet_core",
)

chain(
    "Check which of our Flutter dependencies are outdated, starting from pubspec.yaml.",
    [
        ("read_file", {"filepath": "pubspec.yaml"},
         D("""
             name: trailmate
             description: Hiking companion app.
             publish_to: none
             version: 1.8.0+42

             environment:
               sdk: ">=3.3.0 <4.0.0"

             dependencies:
               flutter:
                 sdk: flutter
               go_router: ^13.2.0
               flutter_riverpod: ^2.5.1
               dio: ^5.4.0
               freezed_annotation: ^2.4.1
               intl: ^0.18.1

             dev_dependencies:
               flutter_test:
                 sdk: flutter
               build_runner: ^2.4.9
               freezed: ^2.5.2
               flutter_lints: ^3.0.1
         """)),
        ("run_terminal_command", {"command": "flutter pub outdated"},
         D("""
             Showing outdated packages.
             [*] indicates versions that are not the latest available.

             Package Name        Current   Upgradable  Resolvable  Latest

             direct dependencies:
             dio                 *5.4.0    5.4.3+1     5.4.3+1     5.4.3+1
             go_router           *13.2.0   *13.2.5     14.1.4      14.1.4
             intl                *0.18.1   *0.18.1     0.19.0      0.19.0

             dev_dependencies:
             flutter_lints       *3.0.1    *3.0.2      4.0.0       4.0.0

             You are already using the newest resolvable versions of: flutter_riverpod, freezed, freezed_annotation, build_runner.
         """)),
    ],
    "Four packages are behind:\n\n"
    "| Package | Current | Within your constraint | Latest | Action |\n|---|---|---|---|---|\n"
    "| `dio` | 5.4.0 | 5.4.3+1 | 5.4.3+1 | `flutter pub upgrade`, no pubspec change needed |\n"
    "| `go_router` | 13.2.0 | 13.2.5 | **14.1.4** | major bump: change `^13.2.0` → `^14.1.4`, read the migration notes |\n"
    "| `intl` | 0.18.1 | 0.18.1 | 0.19.0 | pre-1.0, so 0.19 counts as breaking; bump to `^0.19.0` |\n"
    "| `flutter_lints` (dev) | 3.0.1 | 3.0.2 | 4.0.0 | bump to `^4.0.0`, expect some new lint warnings |\n\n"
    "`flutter_riverpod`, `freezed`, `freezed_annotation` and `build_runner` are current.\n\n"
    "Suggested order: `flutter pub upgrade` first (dio, go_router 13.2.5, flutter_lints 3.0.2), then "
    "`flutter pub upgrade --major-versions go_router intl flutter_lints` one at a time, running the tests "
    "after each. `intl` is often pinned by `flutter_localizations`, so if the resolver complains, that's why.",
    "dart", "flutter",
)

chain(
    "cabal build fails with a type error in the evaluator. Build it and show me the code around the error.",
    [
        ("run_terminal_command", {"command": "cabal build"},
         D("""
             Resolving dependencies...
             Build profile: -w ghc-9.6.5 -O1
             Building library for minilang-0.2.0.0..
             [3 of 7] Compiling Eval             ( src/Eval.hs, dist-newstyle/build/x86_64-linux/ghc-9.6.5/minilang-0.2.0.0/build/Eval.o )

             src/Eval.hs:27:29: error: [GHC-83865]
                 • Couldn't match expected type: Either EvalError Integer
                               with actual type: Integer
                 • In the expression: a `div` b
                   In a case alternative: Div -> a `div` b
                   In the expression:
                     case op of
                       Add -> pure (a + b)
                       Sub -> pure (a - b)
                       Mul -> pure (a * b)
                       Div -> a `div` b
                |
             27 |       Div -> a `div` b
                |              ^^^^^^^^^
         """)),
        ("read_file_range", {"filepath": "src/Eval.hs", "startLine": 12, "endLine": 30},
         D("""
             12 data EvalError = UnboundVar String | DivideByZero
             13   deriving (Eq, Show)
             14
             15 type Env = Map.Map String Integer
             16
             17 eval :: Env -> Expr -> Either EvalError Integer
             18 eval _ (Num n) = pure n
             19 eval env (Var x) = maybe (Left (UnboundVar x)) pure (Map.lookup x env)
             20 eval env (Neg e) = negate <$> eval env e
             21 eval env (BinOp op l r) = do
             22   a <- eval env l
             23   b <- eval env r
             24   case op of
             25       Add -> pure (a + b)
             26       Sub -> pure (a - b)
             27       Div -> a `div` b
             28       Mul -> pure (a * b)
         """)),
    ],
    "Line 27 of `src/Eval.hs` returns a bare `Integer` where the `do` block (in `Either EvalError`) needs "
    "an `Either EvalError Integer`. The other branches wrap their result with `pure`; `Div` doesn't.\n\n"
    "Just adding `pure` would compile, but `div` by zero would then crash the interpreter with an "
    "exception, and you already have a `DivideByZero` constructor for exactly this. So:\n\n"
    "```haskell\n      Div\n        | b == 0    -> Left DivideByZero\n        | otherwise -> pure (a `div` b)\n```\n\n"
    "Also keep in mind that `div` rounds toward negative infinity (`-7 `div` 2 == -4`). If your language "
    "should truncate toward zero like C, use `quot` instead.",
    "haskell", None,
)

chain(
    "Tests in tests/test_items.py hit the real database. Find our DB dependency, then add a tests/conftest.py that overrides it with a SQLite test session, and run that test file.",
    [
        ("grep_search", {"query": r"def get_db"},
         "app/deps.py:9:def get_db() -> Iterator[Session]:"),
        ("read_file", {"filepath": "app/deps.py"},
         D('''
             from collections.abc import Iterator

             from sqlalchemy.orm import Session

             from app.db import SessionLocal



             def get_db() -> Iterator[Session]:
                 db = SessionLocal()
                 try:
                     yield db
                 finally:
                     db.close()
         ''')),
        ("create_new_file", {"filepath": "tests/conftest.py", "contents": D('''
             from collections.abc import Iterator

             import pytest
             from fastapi.testclient import TestClient
             from sqlalchemy import create_engine
             from sqlalchemy.orm import Session, sessionmaker
             from sqlalchemy.pool import StaticPool

             from app.db import Base
             from app.deps import get_db
             from app.main import app

             # one in-memory database shared by every connection of the test session
             engine = create_engine(
                 "sqlite://",
                 connect_args={"check_same_thread": False},
                 poolclass=StaticPool,
             )
             TestingSession = sessionmaker(bind=engine, autoflush=False, expire_on_commit=False)


             @pytest.fixture()
             def db() -> Iterator[Session]:
                 Base.metadata.create_all(engine)
                 session = TestingSession()
                 try:
                     yield session
                 finally:
                     session.close()
                     Base.metadata.drop_all(engine)


             @pytest.fixture()
             def client(db: Session) -> Iterator[TestClient]:
                 app.dependency_overrides[get_db] = lambda: db
                 with TestClient(app) as c:
                     yield c
                 app.dependency_overrides.clear()
         ''') + "\n"},
         "Created tests/conftest.py"),
        ("run_terminal_command", {"command": "pytest tests/test_items.py -q"},
         D("""
             ......                                                                   [100%]
             6 passed in 0.71s
         """)),
    ],
    "Done. `tests/test_items.py` now runs against an in-memory SQLite database: **6 passed in 0.71 s**.\n\n"
    "**What I added** in `tests/conftest.py`:\n"
    "- an in-memory SQLite engine with `StaticPool` and `check_same_thread=False`, so every connection "
    "(including the one inside `TestClient`'s worker thread) sees the same database\n"
    "- a `db` fixture that creates the tables from `Base.metadata` before each test and drops them after, "
    "so every test starts clean\n"
    "- a `client` fixture that overrides `app.deps.get_db` with that session and clears the override afterwards\n\n"
    "The tests already used a fixture named `client`, so they picked up the new one without changes. Keep "
    "in mind that SQLite isn't Postgres: JSONB, `ILIKE` and some constraint behaviour differ. For those "
    "code paths, a Postgres service in CI (or testcontainers) is the more faithful option.",
    "python", "fastapi",
)

chain(
    "Add an HTTP interceptor that retries idempotent requests on 503. First check how the existing interceptors are written so it matches.",
    [
        ("file_glob_search", {"pattern": "src/app/**/*.interceptor.ts"},
         D("""
             src/app/core/auth.interceptor.ts
             src/app/core/error.interceptor.ts
         """)),
        ("read_file", {"filepath": "src/app/core/error.interceptor.ts"},
         D("""
             import { HttpErrorResponse, HttpInterceptorFn } from '@angular/common/http';
             import { inject } from '@angular/core';
             import { catchError, throwError } from 'rxjs';

             import { ToastService } from '../shared/toast.service';

             export const errorInterceptor: HttpInterceptorFn = (req, next) => {
               const toast = inject(ToastService);
               return next(req).pipe(
                 catchError((err: HttpErrorResponse) => {
                   if (err.status >= 500) toast.error('Something went wrong. Please try again.');
                   return throwError(() => err);
                 }),
               );
             };
         """)),
        ("create_new_file", {"filepath": "src/app/core/retry.interceptor.ts", "contents": D("""
             import { HttpErrorResponse, HttpInterceptorFn } from '@angular/common/http';
             import { retry, throwError, timer } from 'rxjs';

             const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
             const MAX_RETRIES = 2;

             /** Retries idempotent requests that fail with 503, with exponential backoff (500 ms, 1 s). */
             export const retryInterceptor: HttpInterceptorFn = (req, next) => {
               if (!IDEMPOTENT.has(req.method)) return next(req);
               return next(req).pipe(
                 retry({
                   count: MAX_RETRIES,
                   delay: (error: HttpErrorResponse, attempt) =>
                     error.status === 503 ? timer(500 * 2 ** (attempt - 1)) : throwError(() => error),
                 }),
               );
             };
         """) + "\n"},
         "Created src/app/core/retry.interceptor.ts"),
    ],
    "Created `src/app/core/retry.interceptor.ts`, written like the existing ones: a functional "
    "`HttpInterceptorFn` in `src/app/core/`.\n\n"
    "- Only **idempotent** methods (`GET`, `HEAD`, `OPTIONS`, `PUT`, `DELETE`) are retried; `POST` and "
    "`PATCH` pass straight through.\n"
    "- Only **503** triggers a retry, up to 2 times, waiting 500 ms and then 1 s (RxJS `retry` with a "
    "`delay` function). Any other error is rethrown immediately.\n\n"
    "**Register it** in `app.config.ts`. Order matters: put it *after* `errorInterceptor`, so it sits "
    "closer to the backend and the error toast only fires once all retries are used up:\n\n"
    "```ts\nprovideHttpClient(withFetch(), withInterceptors([authInterceptor, errorInterceptor, retryInterceptor])),\n```\n\n"
    "If your backend sends `Retry-After` with its 503s, the `delay` function can read "
    "`error.headers.get('Retry-After')` and wait that long instead.",
    "typescript", "angular",
)

chain(
    "We're still on Express 4. Check our package.json and what's outdated, then find the official Express 5 migration guide and tell me what would break for us.",
    [
        ("read_file", {"filepath": "package.json"},
         D("""
             {
               "name": "catalog-service",
               "version": "3.2.1",
               "type": "commonjs",
               "main": "src/server.js",
               "scripts": {
                 "start": "node src/server.js",
                 "test": "jest"
               },
               "dependencies": {
                 "express": "^4.18.2",
                 "express-async-errors": "^3.1.1",
                 "body-parser": "^1.20.2",
                 "pg": "^8.11.3"
               },
               "devDependencies": {
                 "jest": "^29.7.0",
                 "supertest": "^6.3.3"
               }
             }
         """)),
        ("run_terminal_command", {"command": "npm outdated"},
         D("""
             Package      Current  Wanted  Latest  Location                  Depended by
             body-parser   1.20.2  1.20.3   2.2.0  node_modules/body-parser  catalog-service
             express       4.18.2  4.21.2   5.1.0  node_modules/express      catalog-service
             pg            8.11.3  8.13.1  8.13.1  node_modules/pg           catalog-service
             supertest      6.3.3   6.3.4   7.1.0  node_modules/supertest    catalog-service
         """)),
        ("search_web", {"query": "Express 5 migration guide official"},
         D("""
             1. Migrating to Express 5
                https://expressjs.com/en/guide/migrating-5.html
                Overview: Express 5 is not very different from Express 4 ... removed methods and properties, changed behaviour, path route matching syntax ...
             2. Express 5.1.0: Now the Default on npm
                https://expressjs.com/2025/03/31/v5-1-latest-release.html
         """)),
        ("fetch_url_content", {"url": "https://expressjs.com/en/guide/migrating-5.html"},
         D("""
             Moving to Express 5
             Express 5 requires Node.js 18 or higher.
             Removed methods and properties: app.del() (use app.delete()), app.param(fn), pluralized method names (req.acceptsCharset -> req.acceptsCharsets ...), req.param(name), res.json(obj, status) (use res.status(status).json(obj)), res.send(body, status), res.send(status) (use res.sendStatus), res.redirect('back') ...
             Path route matching syntax: the wildcard * must have a name, matching the behavior of parameters :, use /*splat instead of /*. The optional character ? is no longer supported, use braces instead: /:file{.:ext}. Regexp characters are not supported.
             Rejected promises handled from middleware and handlers: rejected promises are forwarded to the error-handling middleware as an Error.
             express.urlencoded: the extended option is now false by default.
             req.body is no longer always initialized to {}; it is undefined unless a body parser ran.
             req.query is now a getter and can no longer be modified. The default query parser changed from "extended" to "simple".
         """)),
    ],
    "**Where we stand** (`npm outdated`): Express **4.18.2** is installed, 4.21.2 is the newest 4.x, and "
    "**5.1.0** is the latest. `body-parser` has a 2.x too, and `pg`/`supertest` only need normal updates.\n\n"
    "**What the official guide says changes in Express 5, checked against our setup:**\n\n"
    "1. **Node 18+ required.** Check your runtime and Docker base image.\n"
    "2. **Async errors are handled natively.** Rejected promises go to the error middleware, so "
    "**`express-async-errors` can be removed** (and should be, since it patches Express 4 internals).\n"
    "3. **Route path syntax (path-to-regexp v8).** `*` must be named (`/*splat`), `?` for optional "
    "segments becomes braces (`/:file{.:ext}`), and inline regexps are gone. This is the change most "
    "likely to break us; grep `src/` for routes containing `*`, `?` or `(`.\n"
    "4. **Removed signatures**: `res.json(obj, status)` / `res.send(body, status)` become "
    "`res.status(s).json(obj)`; `res.send(404)` becomes `res.sendStatus(404)`; `req.param()` and `app.del()` are gone.\n"
    "5. **`req.body` is `undefined`** unless a body parser ran (no more default `{}`), and "
    "`express.urlencoded` defaults to `extended: false`.\n"
    "6. **`req.query` is read-only** and uses the \"simple\" parser, so nested `?filter[a]=1` objects no "
    "longer parse unless you set `app.set('query parser', 'extended')`.\n\n"
    "Since you depend on `body-parser` directly, you can likely switch to the built-in `express.json()` "
    "and `express.urlencoded()` and drop it. Suggested path: update to 4.21.2 first (non-breaking), "
    "grep for the patterns in points 3–4, then move to `express@^5.1.0` on a branch and run the supertest suite.",
    "javascript", "express",
)

chain(
    "Run the unit test for the class I'm looking at, with the Maven wrapper.",
    [
        ("read_currently_open_file", {},
         D("""
             File: src/test/java/com/shopline/pricing/TaxRateServiceTest.java

             package com.shopline.pricing;

             import org.junit.jupiter.api.Test;
             import static org.assertj.core.api.Assertions.assertThat;

             class TaxRateServiceTest {

                 private final TaxRateService service = new TaxRateService(new InMemoryTaxRates());

                 @Test
                 void germanStandardRate() {
                     assertThat(service.rateFor("DE", TaxCategory.STANDARD)).isEqualByComparingTo("0.19");
                 }

                 @Test
                 void reducedRateForBooks() {
                     assertThat(service.rateFor("DE", TaxCategory.BOOKS)).isEqualByComparingTo("0.07");
                 }
             }
         """)),
        ("run_terminal_command", {"command": "./mvnw -q test -Dtest=TaxRateServiceTest"},
         D("""
             [ERROR] Tests run: 2, Failures: 1, Errors: 0, Skipped: 0, Time elapsed: 0.094 s <<< FAILURE! -- in com.shopline.pricing.TaxRateServiceTest
             [ERROR] com.shopline.pricing.TaxRateServiceTest.reducedRateForBooks -- Time elapsed: 0.011 s <<< FAILURE!
             org.opentest4j.AssertionFailedError:
             expected: 0.07
              but was: 0.19
             	at com.shopline.pricing.TaxRateServiceTest.reducedRateForBooks(TaxRateServiceTest.java:19)
             [ERROR] Failures:
             [ERROR]   TaxRateServiceTest.reducedRateForBooks:19 expected: 0.07 but was: 0.19
             [ERROR] Tests run: 2, Failures: 1, Errors: 0, Skipped: 0
         """)),
    ],
    "I ran `TaxRateServiceTest` (the file you have open): **1 of 2 tests fails**.\n\n"
    "- ✅ `germanStandardRate`: DE standard = 0.19\n"
    "- ❌ `reducedRateForBooks` (line 19): expected **0.07**, got **0.19**\n\n"
    "So `rateFor(\"DE\", TaxCategory.BOOKS)` returns the standard rate. Usually that means "
    "`InMemoryTaxRates` has no entry for `(DE, BOOKS)` and `TaxRateService` falls back to `STANDARD` "
    "when a category is missing. Check `InMemoryTaxRates` for the books row first (it may be keyed "
    "as `BOOK` or under a different country code), then the fallback logic in `TaxRateService.rateFor`. "
    "Silently falling back to the standard rate is also worth reconsidering; for taxes, throwing on an "
    "unknown category is usually safer.",
    "java", "spring_boot",
)

chain(
    "Where does the storefront's API client retry failed requests? Use the repo map to orient yourself, then zoom in.",
    [
        ("view_repo_map", {},
         D("""
             apps/storefront/src/main.tsx
             apps/storefront/src/api/index.ts
                 export { api } from '@acme/utils/http'
             apps/admin/src/api/client.ts
                 createAdminClient(token)
             packages/utils/src/http.ts
                 createHttpClient(options)
                 api
                 withRetry(fn, policy)
             packages/utils/src/retry.ts
                 type RetryPolicy
                 defaultPolicy
                 backoffDelay(attempt, policy)
             packages/ui/src/index.ts
         """)),
        ("grep_search", {"query": r"withRetry\(|defaultPolicy"},
         D("""
             packages/utils/src/http.ts:41:    return withRetry(() => fetchJson(url, init), options.retry ?? defaultPolicy)
             packages/utils/src/http.ts:58:export async function withRetry<T>(fn: () => Promise<T>, policy: RetryPolicy): Promise<T> {
             packages/utils/src/retry.ts:9:export const defaultPolicy: RetryPolicy = { retries: 3, baseMs: 200, retryOn: [408, 429, 500, 502, 503, 504] }
         """)),
        ("read_file_range", {"filepath": "packages/utils/src/http.ts", "startLine": 58, "endLine": 78},
         D("""
             58 export async function withRetry<T>(fn: () => Promise<T>, policy: RetryPolicy): Promise<T> {
             59   let attempt = 0
             60   for (;;) {
             61     try {
             62       return await fn()
             63     } catch (err) {
             64       const status = err instanceof HttpError ? err.status : undefined
             65       const retryable = status === undefined || policy.retryOn.includes(status)
             66       if (!retryable || attempt >= policy.retries) throw err
             67       await sleep(backoffDelay(attempt, policy))
             68       attempt++
             69     }
             70   }
             71 }
         """)),
    ],
    "The storefront doesn't have its own retry logic. `apps/storefront/src/api/index.ts` just re-exports "
    "`api` from the shared **`@acme/utils`** package, and the retrying happens there:\n\n"
    "- `packages/utils/src/http.ts:41`: every request goes through `withRetry(...)` with "
    "`options.retry ?? defaultPolicy`.\n"
    "- `packages/utils/src/retry.ts:9`: `defaultPolicy` = **3 retries**, base delay 200 ms, retrying on "
    "**408, 429, 500, 502, 503, 504**.\n"
    "- `withRetry` (lines 58–71) loops, sleeps `backoffDelay(attempt, policy)` between attempts, and "
    "rethrows once the error isn't retryable or the attempts run out.\n\n"
    "Two things to be aware of:\n"
    "1. **Network errors** (anything that isn't an `HttpError`, so `status === undefined`) are always "
    "retried, including for **POST**. There's no method check, so a non-idempotent request that timed out "
    "*after* the server processed it can be sent twice (a double order).\n"
    "2. `429` is retried using the computed backoff, ignoring any `Retry-After` header.\n\n"
    "Since the admin app has its own `createAdminClient`, changes here only affect the storefront and "
    "anything else importing `@acme/utils/http`.",
    "typescript", "react",
)

chain(
    "Add a categories route to the Ktor app, following the pattern of the existing route files, and check it compiles.",
    [
        ("ls", {"dirPath": "src/main/kotlin/io/ktorshop/routes"},
         D("""
             Health.kt
             Orders.kt
             Products.kt
         """)),
        ("read_file", {"filepath": "src/main/kotlin/io/ktorshop/routes/Products.kt"},
         D("""
             package io.ktorshop.routes

             import io.ktor.http.HttpStatusCode
             import io.ktor.server.application.call
             import io.ktor.server.response.respond
             import io.ktor.server.routing.Route
             import io.ktor.server.routing.get
             import io.ktor.server.routing.route
             import io.ktorshop.data.ProductRepository

             fun Route.productRoutes(repo: ProductRepository) {
                 route("/products") {
                     get {
                         val category = call.request.queryParameters["category"]
                         val page = call.request.queryParameters["page"]?.toIntOrNull()?.coerceAtLeast(1) ?: 1
                         call.respond(repo.find(category = category, page = page, pageSize = 50))
                     }
                     get("/{id}") {
                         val id = call.parameters["id"]?.toLongOrNull() ?: return@get call.respond(HttpStatusCode.BadRequest)
                         repo.byId(id)?.let { call.respond(it) } ?: call.respond(HttpStatusCode.NotFound)
                     }
                 }
             }
         """)),
        ("create_new_file", {"filepath": "src/main/kotlin/io/ktorshop/routes/Categories.kt", "contents": D("""
             package io.ktorshop.routes

             import io.ktor.http.HttpStatusCode
             import io.ktor.server.application.call
             import io.ktor.server.response.respond
             import io.ktor.server.routing.Route
             import io.ktor.server.routing.get
             import io.ktor.server.routing.route
             import io.ktorshop.data.CategoryRepository

             fun Route.categoryRoutes(repo: CategoryRepository) {
                 route("/categories") {
                     get {
                         call.respond(repo.all())
                     }
                     get("/{slug}") {
                         val slug = call.parameters["slug"] ?: return@get call.respond(HttpStatusCode.BadRequest)
                         repo.bySlug(slug)?.let { call.respond(it) } ?: call.respond(HttpStatusCode.NotFound)
                     }
                 }
             }
         """) + "\n"},
         "Created src/main/kotlin/io/ktorshop/routes/Categories.kt"),
        ("run_terminal_command", {"command": "./gradlew compileKotlin -q"},
         D("""
             e: file:///home/dev/ktorshop/src/main/kotlin/io/ktorshop/routes/Categories.kt:9:26 Unresolved reference 'CategoryRepository'.
             e: file:///home/dev/ktorshop/src/main/kotlin/io/ktorshop/routes/Categories.kt:14:27 Unresolved reference 'all'.
             e: file:///home/dev/ktorshop/src/main/kotlin/io/ktorshop/routes/Categories.kt:18:22 Unresolved reference 'bySlug'.

             FAILURE: Build failed with an exception.

             * What went wrong:
             Execution failed for task ':compileKotlin'.
             > A failure occurred while executing org.jetbrains.kotlin.compilerRunner.GradleCompilerRunnerWithWorkers$GradleKotlinCompilerWorkAction
                > Compilation error. See log for more details
         """)),
    ],
    "I created `src/main/kotlin/io/ktorshop/routes/Categories.kt` following `Products.kt`: an extension "
    "`Route.categoryRoutes(repo)` with `GET /categories` (all categories) and `GET /categories/{slug}` "
    "(400 without a slug, 404 if unknown).\n\n"
    "**It doesn't compile yet**, for an expected reason: there's no `io.ktorshop.data.CategoryRepository`. "
    "All three errors come from that missing class (`CategoryRepository`, `all`, `bySlug`). The route "
    "itself is fine.\n\n"
    "To finish it:\n\n"
    "1. Add the repository in `io.ktorshop.data`, matching however `ProductRepository` is implemented:\n"
    "```kotlin\ninterface CategoryRepository {\n    suspend fun all(): List<Category>\n    suspend fun bySlug(slug: String): Category?\n}\n```\n"
    "2. Register the route where `productRoutes(...)` is installed (probably `Application.module()` or a "
    "`configureRouting()`): `categoryRoutes(categoryRepository)`.\n\n"
    "Want me to look at `ProductRepository` and create a matching `CategoryRepository`?",
    "kotlin", "ktor",
)

chain(
    "Which of our direct Go module dependencies have newer versions? Start from go.mod.",
    [
        ("read_file", {"filepath": "go.mod"},
         D("""
             module example.com/ledger

             go 1.22

             require (
             	github.com/go-chi/chi/v5 v5.0.12
             	github.com/jackc/pgx/v5 v5.5.5
             	github.com/prometheus/client_golang v1.19.0
             	github.com/rs/zerolog v1.32.0
             	golang.org/x/sync v0.7.0
             )

             require (
             	github.com/beorn7/perks v1.0.1 // indirect
             	github.com/cespare/xxhash/v2 v2.2.0 // indirect
             	github.com/jackc/pgpassfile v1.0.0 // indirect
             	golang.org/x/crypto v0.21.0 // indirect
             )
         """)),
        ("run_terminal_command", {"command": "go list -m -u -f '{{if and (not .Indirect) .Update}}{{.Path}} {{.Version}} -> {{.Update.Version}}{{end}}' all"},
         D("""
             github.com/go-chi/chi/v5 v5.0.12 -> v5.1.0
             github.com/jackc/pgx/v5 v5.5.5 -> v5.6.0
             github.com/prometheus/client_golang v1.19.0 -> v1.19.1
         """)),
    ],
    "Three of the five direct dependencies have updates:\n\n"
    "| Module | Current | Available |\n|---|---|---|\n"
    "| `github.com/go-chi/chi/v5` | v5.0.12 | v5.1.0 |\n| `github.com/jackc/pgx/v5` | v5.5.5 | v5.6.0 |\n"
    "| `github.com/prometheus/client_golang` | v1.19.0 | v1.19.1 |\n\n"
    "`zerolog` and `golang.org/x/sync` are current. All three are minor or patch bumps within the same "
    "major version, so by Go's compatibility rules they shouldn't break anything:\n\n"
    "```bash\ngo get github.com/go-chi/chi/v5@v5.1.0 github.com/jackc/pgx/v5@v5.6.0 github.com/prometheus/client_golang@v1.19.1\n"
    "go mod tidy && go test ./...\n```\n\n"
    "The indirect `golang.org/x/crypto v0.21.0` is fairly old. Running `govulncheck ./...` afterwards will "
    "tell you whether any of the indirect modules have known vulnerabilities that actually affect you.",
    "go", "chi",
)

chain(
    "Deploys on Node 22 crash on startup with an error from bcrypt. Search whether that's a known problem, and check which version we have.",
    [
        ("search_web", {"query": "bcrypt node 22 error invalid ELF header / NODE_MODULE_VERSION mismatch"},
         D("""
             1. Error: The module bcrypt_lib.node was compiled against a different Node.js version using NODE_MODULE_VERSION 115. This version of Node.js requires NODE_MODULE_VERSION 127.
                https://github.com/kelektiv/node.bcrypt.js/issues/1017
                Native addons must be rebuilt for each Node ABI. Run npm rebuild bcrypt, or make sure node_modules is installed inside the target image rather than copied from a different Node version.
             2. bcrypt vs bcryptjs
                https://www.npmjs.com/package/bcryptjs
                bcryptjs is a pure JavaScript implementation with no native dependencies; compatible API.
         """)),
        ("read_file", {"filepath": "package.json"},
         D("""
             {
               "name": "accounts-api",
               "version": "1.9.0",
               "engines": { "node": ">=20" },
               "scripts": { "start": "node dist/index.js", "build": "tsc -p ." },
               "dependencies": {
                 "bcrypt": "^5.1.1",
                 "fastify": "^4.27.0",
                 "pg": "^8.11.5"
               }
             }
         """)),
    ],
    "This is a well-known native addon problem, not a bcrypt bug. `bcrypt` (you have `^5.1.1`) ships "
    "a compiled `.node` binary tied to one Node ABI version. Node 22 uses **NODE_MODULE_VERSION 127**; "
    "Node 20 uses 115. If `node_modules` was installed under Node 20 (on your CI runner, or in an "
    "earlier Docker stage with a different base image) and then run on Node 22, you get exactly this "
    "startup crash.\n\n"
    "Fixes, from least to most change:\n\n"
    "1. **Install dependencies with the same Node version that runs the app.** In Docker, run `npm ci` "
    "in a stage that uses the same `node:22-...` image as the runtime stage, and don't copy a host "
    "`node_modules` into the image (add it to `.dockerignore`).\n"
    "2. If something else forces a copy, run `npm rebuild bcrypt` in the runtime image.\n"
    "3. **Switch to `bcryptjs`**, the pure-JS implementation with a compatible API: no native build, so no "
    "ABI issues, at the cost of slower hashing. For a login endpoint that's usually acceptable.\n\n"
    "Also, `\"engines\": { \"node\": \">=20\" }` permits both versions. Pinning the exact major, plus an "
    "`.nvmrc`, makes mismatches like this less likely.",
    "typescript", "fastify",
)

chain(
    "tests/test_reconcile.py started failing. Run it, stop at the first failure, and look at the code it points to.",
    [
        ("run_terminal_command", {"command": "python -m pytest tests/test_reconcile.py -x -q"},
         D("""
             ..F
             =================================== FAILURES ===================================
             _____________________ test_reconcile_ignores_cancelled_invoices ______________________

                 def test_reconcile_ignores_cancelled_invoices(db, make_batch, make_invoice):
                     inv = make_invoice(reference="INV-2024-0042", amount_due=Decimal("120.00"), status="cancelled")
                     batch = make_batch(lines=[("Payment INV-2024-0042", Decimal("120.00"))])
                     report = reconcile_batch(batch.pk)
             >       assert report.unmatched == [batch.lines.first().pk]
             E       AssertionError: assert [] == [17]

             tests/test_reconcile.py:58: AssertionError
             =========================== short test summary info ============================
             FAILED tests/test_reconcile.py::test_reconcile_ignores_cancelled_invoices - AssertionError: assert [] == [17]
             !!!!!!!!!!!!!!!!!!!!!!!!!! stopping after 1 failures !!!!!!!!!!!!!!!!!!!!!!!!!!!
             1 failed, 2 passed in 0.93s
         """)),
        ("grep_search", {"query": r"open_invoices = |Invoice\.Status\.|status__in"},
         D("""
             app/services/reconcile.py:884:    open_invoices = {
             app/services/reconcile.py:886:        for inv in Invoice.objects.filter(account=batch.account).exclude(status=Invoice.Status.PAID)
             app/models/invoice.py:12:        OPEN = "open", "Open"
             app/models/invoice.py:13:        PAID = "paid", "Paid"
             app/models/invoice.py:14:        CANCELLED = "cancelled", "Cancelled"
         """)),
    ],
    "The failing test is `test_reconcile_ignores_cancelled_invoices`: a payment that references a "
    "**cancelled** invoice should end up in `report.unmatched`, but it was matched instead (`[] == [17]` failed).\n\n"
    "The cause is in `app/services/reconcile.py:886`. The candidate invoices are now built with\n\n"
    "```python\nInvoice.objects.filter(account=batch.account).exclude(status=Invoice.Status.PAID)\n```\n\n"
    "That excludes paid invoices but **keeps cancelled ones** (`Invoice.Status` has `OPEN`, `PAID` and "
    "`CANCELLED`). Someone changed a whitelist into a blacklist, so a payment can now mark a cancelled "
    "invoice as paid. Go back to whitelisting open invoices:\n\n"
    "```python\nfor inv in Invoice.objects.filter(account=batch.account, status=Invoice.Status.OPEN)\n```\n\n"
    "With a whitelist, any status added later (say `VOID` or `DISPUTED`) is excluded by default, which "
    "is the safe direction for money. After the change, rerun `python -m pytest tests/test_reconcile.py`.",
    "python", "django",
)

chain(
    "In our Nuxt app, which server API routes exist? And show me the handler for fetching a single order.",
    [
        ("ls", {"dirPath": "server/api", "recursive": True},
         D("""
             auth/
             auth/login.post.ts
             auth/logout.post.ts
             orders/
             orders/index.get.ts
             orders/index.post.ts
             orders/[id].get.ts
             health.get.ts
         """)),
        ("read_file", {"filepath": "server/api/orders/[id].get.ts"},
         D("""
             import { db } from '~/server/utils/db'

             export default defineEventHandler(async (event) => {
               const id = Number(getRouterParam(event, 'id'))
               const order = await db.order.findUnique({ where: { id }, include: { lines: true } })
               if (!order) {
                 throw createError({ statusCode: 404, statusMessage: 'Order not found' })
               }
               return order
             })
         """)),
    ],
    "Nuxt (Nitro) maps files in `server/api/` to routes, with the HTTP method in the file name:\n\n"
    "| Route | File |\n|---|---|\n"
    "| `POST /api/auth/login` | `auth/login.post.ts` |\n| `POST /api/auth/logout` | `auth/logout.post.ts` |\n"
    "| `GET /api/orders` | `orders/index.get.ts` |\n| `POST /api/orders` | `orders/index.post.ts` |\n"
    "| `GET /api/orders/:id` | `orders/[id].get.ts` |\n| `GET /api/health` | `health.get.ts` |\n\n"
    "**`GET /api/orders/:id`** reads the `id` param, loads the order with its lines through Prisma "
    "(`db.order.findUnique`), and throws a 404 if there's none.\n\n"
    "Two problems in that handler:\n"
    "1. **No authorization.** Any caller, logged in or not, can fetch any order by guessing IDs. Check the "
    "session (e.g. `const user = await requireUser(event)`) and add `userId: user.id` to the `where`.\n"
    "2. **No input validation.** `/api/orders/abc` gives `Number('abc') = NaN`, and Prisma throws a "
    "validation error that surfaces as a 500. Return 400 when `Number.isInteger(id)` is false.",
    "typescript", "nuxt",
)

chain(
    "In our SvelteKit app, which pages load data on the server? Then show me the load function for the dashboard.",
    [
        ("file_glob_search", {"pattern": "src/routes/**/+page.server.ts"},
         D("""
             src/routes/dashboard/+page.server.ts
             src/routes/projects/[slug]/+page.server.ts
             src/routes/settings/+page.server.ts
         """)),
        ("read_file", {"filepath": "src/routes/dashboard/+page.server.ts"},
         D("""
             import { redirect } from '@sveltejs/kit'
             import type { PageServerLoad } from './$types'
             import { listProjects, recentActivity } from '$lib/server/projects'

             export const load: PageServerLoad = async ({ locals }) => {
               if (!locals.user) redirect(303, '/login')

               const projects = await listProjects(locals.user.id)
               const activity = await recentActivity(locals.user.id, { limit: 20 })

               return { projects, activity }
             }
         """)),
    ],
    "Three routes have server-side `load` functions (`+page.server.ts`): `/dashboard`, "
    "`/projects/[slug]` and `/settings`. Pages with only a universal `+page.ts` aren't in that list.\n\n"
    "**`/dashboard` load**:\n"
    "- redirects to `/login` (303) if `locals.user` isn't set, presumably populated in `hooks.server.ts`\n"
    "- loads the user's projects and their 20 most recent activity entries\n"
    "- returns `{ projects, activity }` to the page as `data`\n\n"
    "One easy win: the two queries don't depend on each other but run one after the other. Run them in "
    "parallel:\n\n"
    "```ts\nconst [projects, activity] = await Promise.all([\n  listProjects(locals.user.id),\n"
    "  recentActivity(locals.user.id, { limit: 20 }),\n])\n```\n\n"
    "Calling `redirect(...)` without `throw` is correct here if you're on SvelteKit 2, where it throws for you.",
    "typescript", "sveltekit",
)


# ==== error recovery =============================================================================

recover(
    "What date format does formatDate in src/utils/formatDate.ts produce?",
    [
        ("read_file", {"filepath": "src/utils/formatDate.ts"}, NOT_FOUND.format("src/utils/formatDate.ts")),
        ("file_glob_search", {"pattern": "**/formatDate*"}, "src/lib/dates/formatDate.ts\nsrc/lib/dates/formatDate.test.ts",
         "That path doesn't exist. Let me search for the file by name."),
        ("read_file", {"filepath": "src/lib/dates/formatDate.ts"},
         D("""
             import { format, isValid, parseISO } from 'date-fns'
             import { de, enGB } from 'date-fns/locale'

             const locales = { de, en: enGB }

             /** Formats an ISO date string for display, e.g. "14 Jun 2024" (en) or "14. Juni 2024" (de). */
             export function formatDate(iso: string, lang: keyof typeof locales = 'en'): string {
               const date = parseISO(iso)
               if (!isValid(date)) return '–'
               return format(date, 'PPP', { locale: locales[lang] })
             }
         """)),
    ],
    "The file isn't at `src/utils/formatDate.ts`; it lives in **`src/lib/dates/formatDate.ts`**.\n\n"
    "`formatDate(iso, lang = 'en')` parses an ISO string with date-fns and formats it with the **`PPP`** "
    "token, date-fns's localized \"long date\":\n\n"
    "- `en` (which uses the `enGB` locale): **`14 June 2024`**\n- `de`: **`14. Juni 2024`**\n\n"
    "Invalid input returns an en dash (`–`) instead of throwing. Note that the doc comment's "
    "\"14 Jun 2024\" is slightly off: `PPP` spells the month out in full, while the abbreviated form "
    "would be `PP` (`14 Jun 2024`). The test file `formatDate.test.ts` next to it will show which one the "
    "team actually expects.",
    "typescript", None,
)

recover(
    "Where is SessionStore implemented? I need to change how sessions expire.",
    [
        ("grep_search", {"query": "class SessionStore"}, "No matches found."),
        ("grep_search", {"query": r"(?i)session.?store"},
         D("""
             src/auth/redis_session_store.py:14:class RedisSessionStore:
             src/auth/redis_session_store.py:15:    \"\"\"Server-side sessions in Redis, keyed by an opaque cookie value.\"\"\"
             src/auth/__init__.py:3:from .redis_session_store import RedisSessionStore as Sessions
             src/settings.py:41:SESSION_STORE_TTL_SECONDS = 60 * 60 * 12
         """),
         "No exact match. The class may have a prefix or different casing, so I'll search more loosely."),
    ],
    "There's no class named exactly `SessionStore`. The implementation is **`RedisSessionStore`** in "
    "`src/auth/redis_session_store.py:14` (server-side sessions in Redis, keyed by the cookie value). "
    "The rest of the code imports it under the alias **`Sessions`** (`src/auth/__init__.py:3`), which is "
    "why the name is hard to find.\n\n"
    "The expiry is configured in `src/settings.py:41`: `SESSION_STORE_TTL_SECONDS = 60 * 60 * 12` "
    "(**12 hours**). If you only want a different lifetime, change that setting. If you want different "
    "behaviour, e.g. sliding expiry that refreshes the TTL on each request, the change goes in "
    "`RedisSessionStore`: look for where it calls Redis `SET ... EX` or `EXPIRE`.",
    "python", None,
)

recover(
    "run the unit tests with npm run test:unit",
    [
        ("run_terminal_command", {"command": "npm run test:unit"},
         D("""
             npm ERR! Missing script: "test:unit"
             npm ERR!
             npm ERR! Did you mean one of these?
             npm ERR!     npm test # Test a package
             npm ERR!     npm run test:e2e # run the "test:e2e" package script
             npm ERR!
             npm ERR! To see a list of scripts, run:
             npm ERR!   npm run

             Command exited with code 1
         """)),
        ("read_file", {"filepath": "package.json"},
         D("""
             {
               "name": "dashboard",
               "private": true,
               "type": "module",
               "scripts": {
                 "dev": "vite",
                 "build": "vue-tsc -b && vite build",
                 "test": "vitest",
                 "test:e2e": "playwright test"
               },
               "devDependencies": {
                 "vitest": "^1.6.0",
                 "@playwright/test": "^1.44.1"
               }
             }
         """), "There's no `test:unit` script. Let me check which scripts exist."),
        ("run_terminal_command", {"command": "npx vitest run"},
         D("""
              RUN  v1.6.0 /home/dev/dashboard

              ✓ src/stores/filters.spec.ts (6)
              ✓ src/composables/usePagination.spec.ts (4)
              ✓ src/components/DataTable.spec.ts (9)

              Test Files  3 passed (3)
                   Tests  19 passed (19)
                Start at  10:42:18
                Duration  1.84s
         """), "The unit tests are the `test` script (Vitest). `npm test` would start watch mode, so I'll run it once."),
    ],
    "There's no `test:unit` script in this project: unit tests run under the plain **`test`** script "
    "(Vitest), and `test:e2e` is Playwright. I ran them once with `npx vitest run`, since `npm test` would "
    "start Vitest in watch mode and never exit:\n\n"
    "**3 test files, 19 tests, all passed** (1.84 s): `filters.spec.ts` (6), `usePagination.spec.ts` (4), "
    "`DataTable.spec.ts` (9).\n\n"
    "If you'd like `npm run test:unit` to work (other repos of yours might use that name), add "
    "`\"test:unit\": \"vitest run\"` to `scripts`.",
    "typescript", "vue",
)

recover(
    "Fetch https://docs.rs/axum/latest/axum/middleware/fn.from_fn_with_states.html and explain how to pass state into middleware.",
    [
        ("fetch_url_content", {"url": "https://docs.rs/axum/latest/axum/middleware/fn.from_fn_with_states.html"},
         "Error: request to https://docs.rs/axum/latest/axum/middleware/fn.from_fn_with_states.html failed with status 404 Not Found"),
        ("search_web", {"query": "axum middleware from_fn_with_state docs"},
         D("""
             1. from_fn_with_state in axum::middleware - Rust
                https://docs.rs/axum/latest/axum/middleware/fn.from_fn_with_state.html
                Create a middleware from an async function with the given state.
             2. axum::middleware - Rust
                https://docs.rs/axum/latest/axum/middleware/index.html
         """), "That page doesn't exist; the function name in the URL may be slightly off. Let me search for it."),
        ("fetch_url_content", {"url": "https://docs.rs/axum/latest/axum/middleware/fn.from_fn_with_state.html"},
         D("""
             Function axum::middleware::from_fn_with_state
             pub fn from_fn_with_state<F, S, T>(state: S, f: F) -> FromFnLayer<F, S, T>
             Create a middleware from an async function with the given state.
             See State for more details about accessing state.
             Example
                 use axum::{Router, http::StatusCode, routing::get, response::{IntoResponse, Response}, middleware::{self, Next}, extract::{Request, State}};

                 #[derive(Clone)]
                 struct AppState { /* ... */ }

                 async fn my_middleware(
                     State(state): State<AppState>,
                     // you can add more extractors here but the last
                     // extractor must implement `FromRequest` which
                     // `Request` does
                     request: Request,
                     next: Next,
                 ) -> Response {
                     // do something with `request`...
                     let response = next.run(request).await;
                     // do something with `response`...
                     response
                 }

                 let state = AppState { /* ... */ };

                 let app = Router::new()
                     .route("/", get(|| async { /* ... */ }))
                     .route_layer(middleware::from_fn_with_state(state.clone(), my_middleware))
                     .with_state(state);
         """)),
    ],
    "The URL you gave has a typo (`from_fn_with_states`, with an extra *s*), so it 404s. The function is "
    "**`axum::middleware::from_fn_with_state`**. From its docs page:\n\n"
    "1. Write the middleware as an async fn whose first argument is the `State` extractor, and whose "
    "last two are `Request` and `Next`:\n"
    "```rust\nasync fn require_api_key(\n    State(state): State<AppState>,\n    request: Request,\n    next: Next,\n"
    ") -> Response {\n    // inspect request / state here\n    next.run(request).await\n}\n```\n"
    "2. Attach it with the state passed in explicitly:\n"
    "```rust\nlet app = Router::new()\n    .route(\"/\", get(handler))\n"
    "    .route_layer(middleware::from_fn_with_state(state.clone(), require_api_key))\n    .with_state(state);\n```\n\n"
    "A few details: `AppState` must be `Clone`. Any extractors go between `State` and `Request`, but the "
    "`Request` must come last (it implements `FromRequest`, the others `FromRequestParts`). `route_layer` "
    "only runs the middleware for requests that matched a route, so unmatched paths still get a plain 404; "
    "use `.layer(...)` to wrap everything.",
    "rust", "axum",
)

recover(
    "apply the django migrations",
    [
        ("run_terminal_command", {"command": "python manage.py migrate"},
         D("""
             Traceback (most recent call last):
               File "/home/dev/marketplace/manage.py", line 11, in main
                 from django.core.management import execute_from_command_line
             ModuleNotFoundError: No module named 'django'

             The above exception was the direct cause of the following exception:

             Traceback (most recent call last):
               File "/home/dev/marketplace/manage.py", line 22, in <module>
                 main()
               File "/home/dev/marketplace/manage.py", line 13, in main
                 raise ImportError(
             ImportError: Couldn't import Django. Are you sure it's installed and available on your PYTHONPATH environment variable? Did you forget to activate a virtual environment?

             Command exited with code 1
         """)),
        ("ls", {}, D("""
             .venv/
             config/
             carts/
             catalog/
             manage.py
             poetry.lock
             pyproject.toml
             README.md
         """), "The system Python doesn't have Django, so this project must use a virtual environment. Let me see what's in the root."),
        ("run_terminal_command", {"command": "poetry run python manage.py migrate"},
         D("""
             Operations to perform:
               Apply all migrations: admin, auth, carts, catalog, contenttypes, sessions
             Running migrations:
               Applying catalog.0014_product_search_vector... OK
               Applying carts.0007_cart_expires_at... OK
         """), "It's a Poetry project with an in-project `.venv`. Each command runs in a fresh shell, so I'll go through `poetry run` instead of activating it."),
    ],
    "Migrations applied. Two were pending:\n\n"
    "- `catalog.0014_product_search_vector`\n- `carts.0007_cart_expires_at`\n\n"
    "The first attempt failed with `ModuleNotFoundError: No module named 'django'` because it used the "
    "system Python. This is a Poetry project (`pyproject.toml` + `poetry.lock`) with its virtualenv in "
    "`.venv/`, so I ran it as `poetry run python manage.py migrate`. In your own terminal, "
    "`source .venv/bin/activate` (or `poetry shell`) lets you use plain `python manage.py ...` afterwards.",
    "python", "django",
)

recover(
    "Show me what's in src/component",
    [
        ("ls", {"dirPath": "src/component"}, "Error: directory not found: src/component"),
        ("ls", {"dirPath": "src"}, D("""
             App.tsx
             components/
             hooks/
             main.tsx
             pages/
             styles/
         """), "There's no `src/component`. Let me look at `src` to find the right folder."),
        ("ls", {"dirPath": "src/components"}, D("""
             Avatar.tsx
             Button.tsx
             EmptyState.tsx
             Layout/
             Modal.tsx
             Table/
         """)),
    ],
    "There's no `src/component`, but there is **`src/components`** (plural). It contains:\n\n"
    "- `Avatar.tsx`, `Button.tsx`, `EmptyState.tsx`, `Modal.tsx`\n- `Layout/` and `Table/`, "
    "sub-folders for the more complex components\n\n"
    "The rest of `src` has `hooks/`, `pages/` and `styles/`, plus the entry points `App.tsx` and `main.tsx`.",
    "typescript", "react",
)

recover(
    "Read lines 300 to 340 of app/workers/importer.py, that's where the retry loop should be.",
    [
        ("read_file_range", {"filepath": "app/workers/importer.py", "startLine": 300, "endLine": 340},
         "Error: startLine 300 is past the end of app/workers/importer.py (212 lines)"),
        ("grep_search", {"query": r"retry|attempt|backoff"},
         D("""
             app/workers/importer.py:151:    for attempt in range(1, MAX_ATTEMPTS + 1):
             app/workers/importer.py:163:            delay = BACKOFF_BASE * 2 ** (attempt - 1)
             app/workers/importer.py:164:            log.warning("import failed, retrying", extra={"attempt": attempt, "delay": delay})
             app/workers/importer.py:18:MAX_ATTEMPTS = 5
             app/workers/importer.py:19:BACKOFF_BASE = 2.0
         """), "The file only has 212 lines, so the loop has moved. I'll search for it instead of guessing a range."),
        ("read_file_range", {"filepath": "app/workers/importer.py", "startLine": 148, "endLine": 172},
         D('''
             148 def import_with_retry(source: Source) -> ImportResult:
             149     """Import one source, retrying transient failures with exponential backoff."""
             150     last_error: Exception | None = None
             151     for attempt in range(1, MAX_ATTEMPTS + 1):
             152         try:
             153             return run_import(source)
             154         except (ConnectionError, TimeoutError) as exc:
             155             last_error = exc
             156         except RateLimited as exc:
             157             last_error = exc
             158             time.sleep(exc.retry_after)
             159             continue
             160         if attempt == MAX_ATTEMPTS:
             161             break
             162         else:
             163             delay = BACKOFF_BASE * 2 ** (attempt - 1)
             164             log.warning("import failed, retrying", extra={"attempt": attempt, "delay": delay})
             165             time.sleep(delay)
             166     raise ImportFailed(source.id) from last_error
         ''')),
    ],
    "`app/workers/importer.py` is only 212 lines now, so lines 300–340 don't exist. The retry loop is "
    "`import_with_retry` at **lines 148–166**:\n\n"
    "- Up to `MAX_ATTEMPTS = 5` tries.\n"
    "- `ConnectionError`/`TimeoutError`: waits `BACKOFF_BASE * 2 ** (attempt - 1)` seconds, i.e. 2, 4, 8, "
    "16 s, between attempts.\n"
    "- `RateLimited`: sleeps for the server's `retry_after` and `continue`s.\n"
    "- After the last attempt it raises `ImportFailed(source.id)`, chained to the last error.\n\n"
    "There's a subtle bug: the `RateLimited` branch `continue`s **without checking the attempt count**, "
    "but it still uses up an iteration of the `for` loop. If the 5th attempt is rate-limited, the loop "
    "just ends and raises `ImportFailed` right after sleeping, without trying again. That's probably "
    "fine, but the sleep is wasted. Any other exception type (e.g. a `ValueError` in the data) propagates "
    "immediately without a retry, which is correct.",
    "python", None,
)

recover(
    "go test the billing package please",
    [
        ("run_terminal_command", {"command": "go test ./pkg/billing/..."},
         D("""
             pattern ./pkg/billing/...: directory prefix pkg/billing does not contain main module or its selected dependencies

             Command exited with code 1
         """)),
        ("file_glob_search", {"pattern": "**/billing/*.go"},
         D("""
             internal/billing/invoice.go
             internal/billing/invoice_test.go
             internal/billing/tax.go
             internal/billing/tax_test.go
         """), "There's no `pkg/billing`. Let me find where the billing package actually lives."),
        ("run_terminal_command", {"command": "go test ./internal/billing/..."},
         "ok  \texample.com/ledger/internal/billing\t0.318s"),
    ],
    "The billing package is at **`internal/billing`**, not `pkg/billing`, so the first attempt found "
    "nothing to test. `go test ./internal/billing/...` **passes** (0.32 s), covering `invoice_test.go` and "
    "`tax_test.go`.",
    "go", None,
)

recover(
    "cargo run the worker binary",
    [
        ("run_terminal_command", {"command": "cargo run --bin worker"},
         D("""
             error: no bin target named `worker`.
             Available bin targets:
                 api
                 queue-worker

             Command exited with code 101
         """)),
        ("run_terminal_command", {"command": "cargo run --bin queue-worker", "waitForCompletion": False},
         D("""
                Compiling ledger-api v0.7.2 (/home/dev/ledger-api)
                 Finished `dev` profile [unoptimized + debuginfo] target(s) in 6.41s
                  Running `target/debug/queue-worker`
             2024-06-14T10:55:02.118Z  INFO queue_worker: connected to redis://127.0.0.1:6379
             2024-06-14T10:55:02.121Z  INFO queue_worker: polling queues ["emails", "webhooks"] with concurrency 4
         """), "The binary is called `queue-worker`. It's a long-running process, so I'll start it in the background."),
    ],
    "There's no `worker` binary. Cargo listed the targets as `api` and **`queue-worker`**. I started "
    "`cargo run --bin queue-worker` in the background: it compiled in 6.4 s, connected to Redis at "
    "`127.0.0.1:6379`, and is polling the `emails` and `webhooks` queues with a concurrency of 4.",
    "rust", "tokio",
)

recover(
    "Open the GitHub Actions deploy workflow and tell me which environment it deploys to.",
    [
        ("file_glob_search", {"pattern": ".github/workflows/deploy*.yml"}, "No files found matching pattern: .github/workflows/deploy*.yml"),
        ("file_glob_search", {"pattern": ".github/workflows/*"},
         D("""
             .github/workflows/ci.yaml
             .github/workflows/deploy-production.yaml
             .github/workflows/nightly.yaml
         """), "No `.yml` match. The workflows may use the `.yaml` extension, so I'll list the whole folder."),
        ("read_file", {"filepath": ".github/workflows/deploy-production.yaml"},
         D("""
             name: deploy-production
             on:
               workflow_run:
                 workflows: [ci]
                 branches: [main]
                 types: [completed]

             jobs:
               deploy:
                 if: ${{ github.event.workflow_run.conclusion == 'success' }}
                 runs-on: ubuntu-latest
                 environment:
                   name: production
                   url: https://app.example.com
                 concurrency: production
                 steps:
                   - uses: actions/checkout@v4
                   - uses: aws-actions/configure-aws-credentials@v4
                     with:
                       role-to-assume: ${{ vars.DEPLOY_ROLE_ARN }}
                       aws-region: eu-central-1
                   - run: ./scripts/deploy.sh production
         """)),
    ],
    "The workflow is `.github/workflows/deploy-production.yaml` (`.yaml`, which is why the `.yml` search "
    "missed it). It deploys to the **`production`** GitHub environment (URL https://app.example.com):\n\n"
    "- **Trigger**: whenever the `ci` workflow **completes successfully on `main`** (`workflow_run`), so "
    "every green CI run on main ships.\n"
    "- **Auth**: assumes the AWS role in `vars.DEPLOY_ROLE_ARN` (OIDC) in `eu-central-1`.\n"
    "- **Deploy**: `./scripts/deploy.sh production`.\n"
    "- `concurrency: production` stops two deploys from overlapping.\n\n"
    "If the `production` environment has required reviewers configured in the repo settings, each deploy "
    "also waits for a manual approval.",
    "bash", "github_actions",
)

recover(
    "Create src/lib/http.ts with a tiny fetch wrapper that throws on non-2xx responses.",
    [
        ("create_new_file", {"filepath": "src/lib/http.ts", "contents": D("""
             export class HttpError extends Error {
               constructor(public status: number, public body: string) {
                 super(`HTTP ${status}`)
               }
             }

             export async function http<T>(input: RequestInfo, init?: RequestInit): Promise<T> {
               const res = await fetch(input, init)
               if (!res.ok) throw new HttpError(res.status, await res.text())
               return (await res.json()) as T
             }
         """) + "\n"}, "Error: file already exists: src/lib/http.ts"),
        ("read_file", {"filepath": "src/lib/http.ts"},
         D("""
             export async function getJson<T>(url: string): Promise<T> {
               const res = await fetch(url, { headers: { Accept: 'application/json' } })
               return res.json() as Promise<T>
             }

             export async function postJson<T>(url: string, body: unknown): Promise<T> {
               const res = await fetch(url, {
                 method: 'POST',
                 headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
                 body: JSON.stringify(body),
               })
               return res.json() as Promise<T>
             }
         """), "`src/lib/http.ts` already exists, and I won't overwrite it. Let me see what's in it."),
    ],
    "I didn't create the file, because **`src/lib/http.ts` already exists** and I didn't want to overwrite it. "
    "It has two helpers, `getJson` and `postJson`, and **neither checks `res.ok`**. A 404 or 500 with a "
    "JSON error body is returned to the caller as if it were data, and a non-JSON error page makes "
    "`res.json()` throw a confusing `SyntaxError`.\n\n"
    "Rather than a third helper, I'd put the check into the existing file so every caller benefits:\n\n"
    "```ts\nexport class HttpError extends Error {\n  constructor(public status: number, public body: string) {\n"
    "    super(`HTTP ${status}`)\n  }\n}\n\nasync function parse<T>(res: Response): Promise<T> {\n"
    "  if (!res.ok) throw new HttpError(res.status, await res.text())\n  return (await res.json()) as T\n}\n\n"
    "export async function getJson<T>(url: string): Promise<T> {\n"
    "  return parse<T>(await fetch(url, { headers: { Accept: 'application/json' } }))\n}\n"
    "// postJson: same change, `return parse<T>(res)`\n```\n\n"
    "Do you want that, or should the new wrapper go in a separate file (e.g. `src/lib/fetcher.ts`)?",
    "typescript", None,
)

recover(
    "Find where we define the function that fetches a user in the Swift code: func fetchUser(",
    [
        ("grep_search", {"query": "func fetchUser("},
         "Error: regex parse error:\n    func fetchUser(\n                  ^\nerror: unclosed group"),
        ("grep_search", {"query": r"func fetchUser\("},
         D("""
             Sources/TripKit/Networking/UserService.swift:18:    func fetchUser(id: User.ID) async throws -> User {
             Sources/TripKit/Networking/UserService.swift:31:    func fetchUser(email: String) async throws -> User? {
             Tests/TripKitTests/UserServiceTests.swift:40:    func fetchUser(id: User.ID) async throws -> User {
         """), "The `(` is a regex metacharacter, so it has to be escaped."),
    ],
    "`fetchUser` is defined twice in `Sources/TripKit/Networking/UserService.swift`, as overloads:\n\n"
    "- line 18: `fetchUser(id: User.ID) async throws -> User`, which throws if the user doesn't exist\n"
    "- line 31: `fetchUser(email: String) async throws -> User?`, which returns `nil` if not found\n\n"
    "There's also one in `Tests/TripKitTests/UserServiceTests.swift:40`, most likely a mock or stub "
    "conforming to the same protocol. (My first search failed because `(` is special in regular "
    "expressions; escaped as `\\(` it works.)",
    "swift", None,
)

recover(
    "Run the tests with mvn",
    [
        ("run_terminal_command", {"command": "mvn test"},
         D("""
             bash: line 1: mvn: command not found

             Command exited with code 127
         """)),
        ("ls", {}, D("""
             .mvn/
             mvnw
             mvnw.cmd
             pom.xml
             src/
             README.md
         """), "Maven isn't installed globally. Let me check whether the project ships the Maven wrapper."),
        ("run_terminal_command", {"command": "./mvnw -B test"},
         D("""
             [INFO] Scanning for projects...
             [INFO] ---------------------< com.shopline:orders-service >---------------------
             [INFO] Building orders-service 1.12.0
             [INFO] -------------------------------------------------------
             [INFO]  T E S T S
             [INFO] -------------------------------------------------------
             [INFO] Running com.shopline.orders.OrderServiceTest
             [INFO] Tests run: 14, Failures: 0, Errors: 0, Skipped: 0, Time elapsed: 1.204 s
             [INFO] Running com.shopline.orders.OrderMapperTest
             [INFO] Tests run: 6, Failures: 0, Errors: 0, Skipped: 0, Time elapsed: 0.088 s
             [INFO] Running com.shopline.catalog.ProductQueryServiceTest
             [INFO] Tests run: 9, Failures: 0, Errors: 0, Skipped: 1, Time elapsed: 0.731 s
             [INFO]
             [INFO] Results:
             [INFO]
             [INFO] Tests run: 29, Failures: 0, Errors: 0, Skipped: 1
             [INFO]
             [INFO] BUILD SUCCESS
             [INFO] Total time:  14.872 s
         """)),
    ],
    "`mvn` isn't installed on this machine (exit code 127), but the project includes the **Maven "
    "wrapper**, so I ran `./mvnw -B test` instead. The wrapper downloads the Maven version pinned in "
    "`.mvn/wrapper/maven-wrapper.properties`, which is also the version CI uses.\n\n"
    "**BUILD SUCCESS**: 29 tests, 0 failures, 0 errors, **1 skipped** (in `ProductQueryServiceTest`). "
    "Worth finding out why that one is skipped; a disabled test tends to stay disabled.",
    "java", "spring_boot",
)

recover(
    "Explain what the function under my cursor does",
    [
        ("read_currently_open_file", {}, "Error: no file is currently open in the editor"),
    ],
    "I couldn't see your editor: Continue reports that **no file is currently open**. That can happen "
    "when the focus is on a terminal, a diff view or the Continue panel itself.\n\n"
    "Could you click into the file and ask again, or just tell me the file path and the function name? "
    "Pasting the function straight into the chat works too.",
    None, None,
)

recover(
    "Search the web for the fix to 'Vite ReferenceError: exports is not defined in ES module scope when importing lodash-es chunk 4.17.21-vite5.2-ssr'",
    [
        ("search_web", {"query": "Vite ReferenceError exports is not defined in ES module scope lodash-es chunk 4.17.21-vite5.2-ssr"},
         "No results found."),
        ("search_web", {"query": "Vite SSR \"exports is not defined in ES module scope\""},
         D("""
             1. ReferenceError: exports is not defined in ES module scope · vitejs/vite Discussions
                https://github.com/vitejs/vite/discussions/
                In SSR, a dependency that ships CommonJS is being loaded as ESM. Add it to ssr.noExternal so Vite bundles and transforms it, or import the ESM build of the package.
             2. Vite docs: SSR Externals
                https://vitejs.dev/guide/ssr.html#ssr-externals
                Dependencies are externalized from Vite's SSR transform module system by default... use ssr.noExternal for linked or CJS-only deps that need transformation.
         """), "That query is too specific and matches nothing. Let me drop the version string and search for the core error."),
    ],
    "The very specific query returned nothing, but the core error is a known Vite **SSR** issue.\n\n"
    "**Cause**: during SSR, Vite *externalizes* dependencies by default, so Node loads them directly. "
    "If the file Node ends up loading is CommonJS (uses `exports`) but sits in a context treated as an ES "
    "module (e.g. your `package.json` has `\"type\": \"module\"`), Node throws `exports is not defined in "
    "ES module scope`. With lodash this usually happens when something imports `lodash` (CJS) or a deep "
    "path like `lodash/debounce`, rather than `lodash-es`.\n\n"
    "**Fixes** (try in order):\n"
    "1. Import from **`lodash-es`** everywhere, including deep imports: `import debounce from 'lodash-es/debounce'`.\n"
    "2. If the CJS import comes from a dependency you don't control, have Vite bundle it for SSR:\n"
    "```ts\n// vite.config.ts\nexport default defineConfig({\n  ssr: { noExternal: ['the-offending-package'] },\n})\n```\n\n"
    "If neither helps, paste the full stack trace. The first `node_modules/...` frame will show which "
    "package is loading the CommonJS file.",
    "typescript", "vite",
)

recover(
    "Open app/build.gradle and tell me the minSdk",
    [
        ("read_file", {"filepath": "app/build.gradle"}, NOT_FOUND.format("app/build.gradle")),
        ("file_glob_search", {"pattern": "app/build.gradle*"}, "app/build.gradle.kts",
         "There's no Groovy build file. The module probably uses the Kotlin DSL."),
        ("read_file", {"filepath": "app/build.gradle.kts"},
         D("""
             plugins {
                 alias(libs.plugins.android.application)
                 alias(libs.plugins.kotlin.android)
                 alias(libs.plugins.kotlin.compose)
             }

             android {
                 namespace = "com.tindr.app"
                 compileSdk = 34

                 defaultConfig {
                     applicationId = "com.tindr.app"
                     minSdk = 26
                     targetSdk = 34
                     versionCode = 112
                     versionName = "3.4.0"
                 }

                 buildFeatures { compose = true }
             }
         """)),
    ],
    "The module uses the Kotlin DSL, so the file is **`app/build.gradle.kts`**, not `app/build.gradle`. "
    "It sets **`minSdk = 26`** (Android 8.0 Oreo). For context: `compileSdk` and `targetSdk` are 34 "
    "(Android 14), and the app is at version 3.4.0 (code 112).",
    "kotlin", "android",
)

recover(
    "Kick off the Rails seed task for my local DB",
    [
        ("run_terminal_command", {"command": "bin/rails db:seed"},
         D("""
             bin/rails aborted!
             ActiveRecord::PendingMigrationError:

             Migrations are pending. To resolve this issue, run:

                     bin/rails db:migrate RAILS_ENV=development

             You have 2 pending migrations:

             20240611093012_split_full_name_on_customers.rb
             20240612101544_add_locale_to_users.rb

             Command exited with code 1
         """)),
        ("run_terminal_command", {"command": "bin/rails db:migrate:status"},
         D("""
             database: storefront_development

              Status   Migration ID    Migration Name
             --------------------------------------------------
                up     20240528120000  Create carts
                up     20240604081500  Add index to orders placed at
               down    20240611093012  Split full name on customers
               down    20240612101544  Add locale to users
         """), "Seeding needs the schema to be current. Before migrating anything, let me see exactly what's pending."),
    ],
    "The seed didn't run: Rails refuses to seed while **migrations are pending**. Two are pending on "
    "`storefront_development`:\n\n"
    "1. `20240611093012_split_full_name_on_customers`\n2. `20240612101544_add_locale_to_users`\n\n"
    "I didn't apply them automatically, because the first one **removes the `customers.full_name` column** "
    "after copying the names over, and (as written) it can't be rolled back. On a throwaway local database "
    "that's fine. If your local data matters to you, dump it first.\n\n"
    "When you're ready: `bin/rails db:migrate && bin/rails db:seed`. Or, if you want a clean slate anyway, "
    "`bin/rails db:reset` drops, recreates, loads the schema and seeds in one step.",
    "ruby", "rails",
)

recover(
    "What's going on with https://status.stripe.com right now? Our payments are timing out.",
    [
        ("fetch_url_content", {"url": "https://status.stripe.com"},
         "Error: request to https://status.stripe.com failed: timed out after 15 s"),
        ("search_web", {"query": "Stripe API status incident today"},
         D("""
             1. Stripe Status
                https://status.stripe.com/
                API: Degraded performance. Investigating - We are investigating elevated latency and timeouts for a subset of API requests in the US region. Posted 14 minutes ago.
             2. Stripe System Status (@stripestatus) on X
                https://x.com/stripestatus
                We're investigating elevated API latencies. Updates at status.stripe.com.
         """), "The status page didn't load. I'll search for current incident reports instead."),
    ],
    "The status page itself timed out from here, but the search results show that **Stripe has an active "
    "incident**: *\"API: Degraded performance. Investigating elevated latency and timeouts for a subset of "
    "API requests in the US region\"*, posted about 14 minutes ago, and confirmed by @stripestatus.\n\n"
    "So your timeouts are very likely on Stripe's side. While it lasts:\n"
    "- Make sure retries use **idempotency keys** (`Idempotency-Key` header), so a retried charge can't "
    "be executed twice.\n"
    "- Consider raising the client timeout temporarily, and show customers a \"payment pending\" state "
    "rather than failing outright.\n"
    "- Watch status.stripe.com for the resolution. Search snippets can lag behind the live page.",
    None, None,
)


# ==== no tool: answered directly =================================================================

direct(
    "In Python, when should I use `is` instead of `==`?",
    "`==` compares **values** (it calls `__eq__`); `is` compares **identity**, i.e. whether both names "
    "point to the very same object.\n\n"
    "Use `is` only for singletons:\n\n"
    "```python\nif value is None: ...\nif flag is True: ...   # rare; usually just `if flag:`\n"
    "if result is NotImplemented: ...\n```\n\n"
    "Use `==` for everything else: numbers, strings, lists, your own objects.\n\n"
    "The classic trap is that `is` sometimes *appears* to work for small ints and short strings, because "
    "CPython caches and interns them:\n\n"
    "```python\na = 256; b = 256\na is b      # True  (cached small int)\na = 1000; b = 1000\n"
    "a is b      # may be False: two different int objects\na == b      # True\n```\n\n"
    "That's an implementation detail, and recent Pythons even emit a `SyntaxWarning` for `x is 1000`-style "
    "comparisons with literals.",
    "python", None,
)

direct(
    "Why does my Python function keep remembering items from previous calls? def add(item, bucket=[]): bucket.append(item); return bucket",
    "Because the default value is evaluated **once**, when the `def` statement runs, not on each call. "
    "Every call that doesn't pass `bucket` shares the same list object, so it keeps growing:\n\n"
    "```python\nadd(1)  # [1]\nadd(2)  # [1, 2]  (same list as before)\n```\n\n"
    "The idiomatic fix is a `None` sentinel:\n\n"
    "```python\ndef add(item, bucket=None):\n    if bucket is None:\n        bucket = []\n"
    "    bucket.append(item)\n    return bucket\n```\n\n"
    "The same applies to any mutable default: `{}`, `set()`, a dataclass instance. Linters catch it "
    "(Ruff/flake8-bugbear rule `B006`). In dataclasses use `field(default_factory=list)`, and in Pydantic "
    "models a plain `[]` default is fine, because Pydantic copies it per instance.",
    "python", None,
)

direct(
    "Generator expression vs list comprehension in Python — when does it actually matter?",
    "They look almost the same but behave differently:\n\n"
    "```python\nsquares_list = [x * x for x in range(10_000_000)]   # builds all 10M ints now\n"
    "squares_gen  = (x * x for x in range(10_000_000))   # builds nothing yet\n```\n\n"
    "**It matters when:**\n\n"
    "1. **Memory.** A generator yields one item at a time, so `sum(x * x for x in huge)` runs in constant "
    "memory, while the list version holds everything at once.\n"
    "2. **Early exit.** `any(is_bad(row) for row in rows)` stops at the first match. A list comprehension "
    "would evaluate `is_bad` for every row first.\n"
    "3. **Reuse.** A generator can be iterated **once**. Loop over it a second time and you get nothing, "
    "a common source of silent bugs. If you need `len()`, indexing or multiple passes, use a list.\n\n"
    "**It doesn't matter** for small collections. There, a list comprehension is often slightly faster and "
    "easier to debug (you can print it). Rule of thumb: feed a generator straight into a consuming function "
    "(`sum`, `max`, `any`, `\"\".join`, `set(...)`) and use a list when you'll keep the result around.",
    "python", None,
)

direct(
    "In what order do these log? console.log('a'); setTimeout(() => console.log('b')); Promise.resolve().then(() => console.log('c')); console.log('d')",
    "**`a`, `d`, `c`, `b`.**\n\n"
    "1. `a` and `d` are synchronous, so they run first, in order.\n"
    "2. When the current script finishes, the event loop drains the **microtask queue** before anything "
    "else. The `.then` callback is a microtask, so `c` comes next.\n"
    "3. `setTimeout` schedules a **macrotask** (a task), which only runs on a later turn of the event "
    "loop, after all microtasks. Even a `0` ms delay can't jump ahead of microtasks, so `b` is last.\n\n"
    "A consequence worth knowing: a microtask that keeps queueing more microtasks (for example a recursive "
    "`.then` chain) can starve timers and rendering indefinitely. `queueMicrotask` and `await` continuations "
    "are microtasks too.",
    "javascript", None,
)

direct(
    "TypeScript: what's the practical difference between `unknown` and `any`?",
    "Both accept any value. The difference is what you can do with it **afterwards**:\n\n"
    "- **`any`** switches type checking off. You can call it, access any property, or pass it anywhere, "
    "and the compiler says nothing. It's also contagious: `any.foo.bar` is `any` too.\n"
    "- **`unknown`** is the type-safe counterpart. You can't *use* the value until you've narrowed it.\n\n"
    "```ts\nfunction handle(payload: unknown) {\n  payload.id            // ❌ error: 'payload' is of type 'unknown'\n"
    "  if (typeof payload === 'object' && payload !== null && 'id' in payload) {\n"
    "    payload.id          // ✅ narrowed\n  }\n}\n```\n\n"
    "**Use `unknown`** for anything from outside your type system: `JSON.parse` results, `catch (err)` "
    "values (the default under `useUnknownInCatchVariables`), API responses, `postMessage` data. Then "
    "narrow it with type guards or a schema validator such as Zod.\n\n"
    "**`any`** is only justified as a temporary escape hatch during a migration, or in the rare "
    "generic-library corner where expressing the type properly is impossible.",
    "typescript", None,
)

direct(
    "Should I use `interface` or `type` for object shapes in TypeScript?",
    "For plain object shapes they're nearly interchangeable. The differences that matter:\n\n"
    "| | `interface` | `type` |\n|---|---|---|\n"
    "| Extending | `extends`, with clearer error messages | `&` intersections |\n"
    "| Declaration merging | ✅ two `interface Window` declarations merge | ❌ a duplicate name is an error |\n"
    "| Unions, tuples, primitives, mapped/conditional types | ❌ | ✅ `type Id = string \\| number` |\n"
    "| Performance on big hierarchies | slightly better (cached by name) | intersections are re-checked |\n\n"
    "A common convention that works well:\n\n"
    "- **`interface`** for object shapes that others may extend, and *must* for augmenting globals or "
    "library types (`declare module 'express' { interface Request { user?: User } }`).\n"
    "- **`type`** for everything an interface can't express: unions, function types, tuples, and "
    "`Pick`/`Omit` compositions.\n\n"
    "Whichever you pick, being consistent within a codebase matters more than the choice itself. "
    "typescript-eslint's `consistent-type-definitions` rule can enforce it.",
    "typescript", None,
)

direct(
    "In Go, when exactly are the arguments to a deferred call evaluated?",
    "**Immediately, at the `defer` statement**, not when the deferred function runs. Only the call itself "
    "is postponed:\n\n"
    "```go\nfunc main() {\n\tx := 1\n\tdefer fmt.Println(\"deferred:\", x) // x is evaluated now: 1\n"
    "\tx = 2\n\tfmt.Println(\"now:\", x)\n}\n// now: 2\n// deferred: 1\n```\n\n"
    "If you want the value at function exit, defer a **closure**, which reads the variable when it runs:\n\n"
    "```go\ndefer func() { fmt.Println(\"deferred:\", x) }() // prints 2\n```\n\n"
    "This is also how you modify **named return values** in a defer, e.g. wrapping an error:\n\n"
    "```go\nfunc load() (err error) {\n\tdefer func() {\n\t\tif err != nil {\n\t\t\terr = fmt.Errorf(\"load: %w\", err)\n\t\t}\n\t}()\n\t...\n}\n```\n\n"
    "The same rule applies to method receivers: `defer mu.Unlock()` evaluates `mu` at the defer, and "
    "`defer f.Close()` binds the `f` you had at that moment.",
    "go", None,
)

direct(
    "Why does my Go function return a non-nil error even though I return a nil *MyError?",
    "Because an interface value is only `nil` when **both** its dynamic type and its value are nil. "
    "Returning a typed nil pointer through an `error` interface gives you an interface whose type is "
    "`*MyError` and whose value is `nil`, and that is **not** equal to `nil`:\n\n"
    "```go\nfunc validate() error {\n\tvar err *MyError // nil pointer\n\tif bad {\n\t\terr = &MyError{}\n\t}\n"
    "\treturn err // error(type=*MyError, value=nil) != nil  ❌\n}\n\nif err := validate(); err != nil {\n"
    "\t// always taken!\n}\n```\n\n"
    "**Fix**: return the literal `nil` on the success path, and keep concrete error types out of the "
    "signature:\n\n"
    "```go\nfunc validate() error {\n\tif bad {\n\t\treturn &MyError{}\n\t}\n\treturn nil\n}\n```\n\n"
    "As a rule, functions should return `error`, never `*MyError`. Callers who need the concrete type can "
    "use `errors.As(err, &myErr)`. `staticcheck` and `nilness` catch many of these cases.",
    "go", None,
)

direct(
    "Rust: String vs &str — which one should my function parameters take?",
    "- **`String`** is an owned, growable, heap-allocated buffer.\n"
    "- **`&str`** is a borrowed view into UTF-8 bytes owned by someone else: part of a `String`, a "
    "string literal, a slice of a file buffer.\n\n"
    "**For parameters, default to `&str`**: it accepts the most inputs without forcing a clone.\n\n"
    "```rust\nfn greet(name: &str) { println!(\"hi {name}\") }\n\ngreet(\"literal\");           // &'static str\n"
    "let owned = String::from(\"Ana\");\ngreet(&owned);               // &String auto-derefs to &str\n```\n\n"
    "**Take `String`** when the function needs to **own** the value, for example storing it in a "
    "struct. Then the caller decides whether to move or clone:\n\n"
    "```rust\nstruct User { name: String }\nimpl User {\n    fn new(name: impl Into<String>) -> Self { Self { name: name.into() } }\n}\n```\n\n"
    "`impl Into<String>` is a nice middle ground for constructors: `User::new(\"Ana\")` and "
    "`User::new(owned)` both work, and an owned `String` is moved in without copying. **Return** "
    "`String` when you build new text, and `&str` when you return part of something borrowed from `self` "
    "or an argument.",
    "rust", None,
)

direct(
    "How does Rust's ? operator convert my error types? I have a function returning Result<T, AppError> and ? works on io::Error somehow.",
    "`?` does two things: on `Err(e)` it **returns early**, and before returning it calls "
    "**`From::from(e)`** to convert the error into the function's error type. So `?` works on "
    "`io::Error` because there's an `impl From<io::Error> for AppError` somewhere, either written by hand "
    "or generated by `thiserror`'s `#[from]`:\n\n"
    "```rust\n#[derive(Debug, thiserror::Error)]\nenum AppError {\n    #[error(\"io: {0}\")]\n"
    "    Io(#[from] std::io::Error),       // generates impl From<io::Error> for AppError\n"
    "    #[error(\"bad config: {0}\")]\n    Config(String),\n}\n\n"
    "fn load() -> Result<String, AppError> {\n    let text = std::fs::read_to_string(\"app.toml\")?; // io::Error -> AppError::Io\n"
    "    Ok(text)\n}\n```\n\n"
    "Roughly, `expr?` expands to:\n\n"
    "```rust\nmatch expr {\n    Ok(v) => v,\n    Err(e) => return Err(From::from(e)),\n}\n```\n\n"
    "If no `From` impl exists you get \"the trait `From<X>` is not implemented for `AppError`\". Then add a "
    "variant with `#[from]`, or convert explicitly with `.map_err(|e| AppError::Config(e.to_string()))?`. "
    "With `anyhow::Result`, every `std::error::Error` converts automatically, which is why `?` "
    "\"just works\" there.",
    "rust", None,
)

direct(
    "Checked vs unchecked exceptions in Java — which should my own exceptions be?",
    "- **Checked** (`extends Exception`): the compiler forces callers to `catch` it or declare `throws`.\n"
    "- **Unchecked** (`extends RuntimeException`): no compile-time obligation.\n\n"
    "The usual guidance today:\n\n"
    "- **Unchecked** for programming errors and for failures most callers can't do anything useful about: "
    "invalid arguments, broken invariants, \"entity not found\" in a service layer, infrastructure "
    "failures. Most modern frameworks (Spring, JPA, jOOQ) use unchecked exceptions almost exclusively, "
    "and checked exceptions don't mix well with lambdas and streams.\n"
    "- **Checked** only when the failure is *expected* and the immediate caller can realistically "
    "*recover* from it, for example a parser that lets the caller fall back to a default, or I/O in a "
    "library where retrying is the caller's decision.\n\n"
    "```java\npublic class OrderNotFoundException extends RuntimeException {\n"
    "    public OrderNotFoundException(long id) { super(\"Order \" + id + \" not found\"); }\n}\n```\n\n"
    "Whichever you choose: keep the cause when wrapping (`new MyException(msg, cause)`), and don't catch "
    "and swallow. For expected, non-exceptional outcomes, an `Optional` or a result type is often "
    "clearer than any exception.",
    "java", None,
)

direct(
    "Kotlin: lateinit var vs by lazy — what's the difference and when do I use each?",
    "| | `lateinit var` | `val ... by lazy { }` |\n|---|---|---|\n"
    "| Mutability | `var`, can be reassigned | `val`, computed once |\n"
    "| Who initializes | *you*, later, from outside (DI, `onCreate`, `@BeforeEach`) | the lambda, on **first access** |\n"
    "| Types | non-null, non-primitive only (no `Int`) | anything |\n"
    "| Access before init | `UninitializedPropertyAccessException` | can't happen |\n"
    "| Thread safety | none | synchronized by default |\n\n"
    "```kotlin\nclass ProfileFragment : Fragment() {\n    @Inject lateinit var analytics: Analytics   // set by the DI framework\n\n"
    "    private val dateFormatter by lazy {               // built on first use, then cached\n"
    "        DateTimeFormatter.ofPattern(\"d MMM yyyy\", Locale.getDefault())\n    }\n}\n```\n\n"
    "**Rule of thumb**: `lateinit` when something *outside* the class supplies the value after "
    "construction (dependency injection, lifecycle callbacks, test setup). `lazy` when the class "
    "can compute the value itself but you want to defer the cost. Check `::analytics.isInitialized` if "
    "you must, but needing that often is a smell. For single-threaded contexts like UI code, "
    "`lazy(LazyThreadSafetyMode.NONE)` skips the locking.",
    "kotlin", None,
)

direct(
    "EF Core: what's the difference between IEnumerable and IQueryable, and why did my query pull the whole table?",
    "- **`IQueryable<T>`** holds an *expression tree*. Every `Where`, `Select`, `OrderBy` or `Take` you chain "
    "is translated into **SQL** and runs in the database.\n"
    "- **`IEnumerable<T>`** means LINQ-to-Objects: from that point on, operators run **in memory** on rows "
    "already fetched.\n\n"
    "You pull the whole table when something turns the query into an `IEnumerable` *before* filtering:\n\n"
    "```csharp\n// ❌ AsEnumerable() (or ToList(), or a method taking IEnumerable<T>) fetches every order,\n"
    "//    then filters in C#\nvar big = db.Orders.AsEnumerable().Where(o => o.Total > 1000).ToList();\n\n"
    "// ❌ same thing, hidden behind a helper signature\nIEnumerable<Order> All() => db.Orders;\n"
    "var big2 = All().Where(o => o.Total > 1000).ToList();\n\n"
    "// ✅ stays IQueryable: WHERE Total > 1000 runs in SQL\nvar big3 = db.Orders.Where(o => o.Total > 1000).ToList();\n```\n\n"
    "So: keep repository methods returning `IQueryable<T>` (or take the filter as a parameter), "
    "materialize with `ToListAsync()` **last**, and enable EF Core's SQL logging (`LogTo(Console.WriteLine)`) "
    "to confirm what actually hits the database. Also note that EF Core throws when it can't translate an "
    "expression instead of silently evaluating it on the client, except in the final `Select` projection.",
    "csharp", "ef_core",
)

direct(
    "C#: when should I use a record instead of a class?",
    "Use a **`record`** when the type is mainly **data with value semantics**: DTOs, messages, events, "
    "query results, configuration snapshots. You get:\n\n"
    "- **value equality**: two records with the same property values are `==`\n"
    "- a readable `ToString()` (`Money { Amount = 5, Currency = EUR }`)\n"
    "- non-destructive mutation with `with`: `var later = order with { Status = Shipped };`\n"
    "- concise positional syntax: `public record Money(decimal Amount, string Currency);`\n\n"
    "Use a **`class`** when the type has **identity and behaviour**: an entity whose identity is its ID "
    "rather than its field values, a service, anything with mutable state that changes over its lifetime. "
    "EF Core entities in particular should stay classes, because value equality confuses change tracking.\n\n"
    "Extras: `record struct` gives the same features for small stack-allocated values, and records "
    "are *shallowly* immutable. A `record Order(List<Line> Lines)` still has a mutable list inside, and "
    "its equality compares the list **reference**, not its contents.",
    "csharp", None,
)

direct(
    "Ruby: what's actually different between a block, a proc and a lambda?",
    "A **block** is syntax: the `do ... end` / `{ ... }` chunk passed to a method. It's not an object "
    "until you capture it. **Procs** and **lambdas** are both `Proc` objects, but they differ in two ways.\n\n"
    "**1. Arity**: lambdas are strict, procs are lenient.\n"
    "```ruby\nl = ->(a, b) { [a, b] }\np = proc { |a, b| [a, b] }\nl.call(1)        # ArgumentError\n"
    "p.call(1)        # [1, nil]\np.call(1, 2, 3)  # [1, 2]\n```\n\n"
    "**2. `return`**: in a lambda it returns from the lambda; in a proc it returns from the **method "
    "that defined the proc**.\n"
    "```ruby\ndef find_first_even(nums)\n  nums.each { |n| return n if n.even? }  # block: returns from find_first_even\n"
    "  nil\nend\n\ndef via_lambda\n  f = -> { return 1 }\n  f.call\n  2                # reached, returns 2\nend\n```\n\n"
    "A block can be captured as a proc with `&block` in the parameter list, and a proc or lambda passed "
    "as a block with `&`: `nums.map(&formatter)`. `&:upcase` works because `Symbol#to_proc` exists.\n\n"
    "**In practice**: write blocks for iteration and DSLs, and store lambdas when you need a callable "
    "object (strategies, callbacks, `scope :active, -> { where(active: true) }`). Plain `proc` is rarely "
    "needed.",
    "ruby", None,
)

direct(
    "PHP 8 changed how 0 == 'foo' works. What's the rule now, and should I still use ===?",
    "Yes, PHP 8 changed **string-to-number comparison** (the \"Saner string to number comparisons\" RFC):\n\n"
    "- **Before PHP 8**, comparing a number to a non-numeric string cast the *string to a number*: "
    "`'foo'` became `0`, so `0 == 'foo'` was **true**.\n"
    "- **In PHP 8**, if the string isn't numeric, the *number is cast to a string* and the two are compared "
    "as strings: `'0' == 'foo'`, which is **false**.\n\n"
    "```php\nvar_dump(0 == 'foo');   // PHP 7: true   PHP 8: false\nvar_dump(0 == '');      // PHP 7: true   PHP 8: false\n"
    "var_dump(42 == ' 42');  // true in both (leading-whitespace numeric string)\nvar_dump('1e3' == '1000'); // true: both numeric strings!\n```\n\n"
    "So the worst surprises are gone, but `==` still does type juggling, e.g. numeric strings compare "
    "numerically (`'1e3' == '1000'`) and `null == false`. **Keep using `===`** by default, and for "
    "security-sensitive comparisons of secrets or tokens use `hash_equals()`, which is also constant-time. "
    "`match` uses strict comparison, which is one more reason to prefer it over `switch`.",
    "php", None,
)

direct(
    "Swift: weak vs unowned in a closure capture list — how do I choose?",
    "Both break a retain cycle by not keeping a strong reference. The difference is what happens if the "
    "object is gone:\n\n"
    "- **`[weak self]`**: `self` becomes an **optional** that is `nil` once the object is deallocated. Safe.\n"
    "- **`[unowned self]`**: non-optional, but accessing it after deallocation is a **crash**.\n\n"
    "```swift\n// network callbacks, timers, notifications: the closure can outlive self → weak\n"
    "api.load { [weak self] result in\n    guard let self else { return }\n    self.render(result)\n}\n\n"
    "// a closure stored on self that can never run after self is gone → unowned is OK\n"
    "lazy var formatter: (Date) -> String = { [unowned self] date in\n    self.dateFormatter.string(from: date)\n}\n```\n\n"
    "**Default to `weak`**. Use `unowned` only when you can *prove* the captured object outlives the "
    "closure, typically because the closure is owned by that same object. The performance difference is "
    "negligible, and a wrong `unowned` is a production crash. Also, not every closure needs either: a "
    "non-escaping closure like `map` can't create a cycle, and neither can `DispatchQueue.main.async { ... }`, "
    "which runs once and is released. Those only delay deallocation briefly.",
    "swift", None,
)

direct(
    "Explain RAII in C++ like I'm coming from Java.",
    "In Java, the garbage collector frees memory \"sometime later\", and other resources (files, "
    "locks, sockets) need `try`/`finally` or try-with-resources.\n\n"
    "In C++, **RAII** (Resource Acquisition Is Initialization) ties *every* resource to an object's "
    "lifetime:\n\n"
    "- The **constructor acquires** the resource.\n"
    "- The **destructor releases** it.\n"
    "- Destructors run **deterministically** when the object goes out of scope, whether the scope ends "
    "normally, through `return`, or because an exception is thrown.\n\n"
    "```cpp\nvoid append_line(const std::string& path, const std::string& line) {\n"
    "    std::lock_guard<std::mutex> guard(file_mutex);   // locks here\n"
    "    std::ofstream out(path, std::ios::app);          // opens here\n    out << line << '\\n';\n"
    "    if (line.empty()) throw std::invalid_argument(\"empty\");\n"
    "}   // out closes, then guard unlocks, in reverse order, even on the throw\n```\n\n"
    "So C++ code rarely needs `finally`: the destructor *is* the finally block, attached to the resource "
    "itself. That's why modern C++ avoids raw `new`/`delete` and uses `std::unique_ptr`, `std::vector`, "
    "`std::lock_guard` and `std::fstream`. They're all RAII wrappers. The Java equivalent is "
    "try-with-resources, except that C++ applies it automatically to every local object.",
    "cpp", None,
)

direct(
    "Does std::move actually move anything?",
    "No. **`std::move` doesn't move anything**; it's just a cast. It converts its argument to an rvalue "
    "reference (`T&&`), which *permits* a move by making overload resolution pick the move constructor "
    "or move assignment, if one exists.\n\n"
    "```cpp\nstd::string a = \"a long string that lives on the heap...\";\n"
    "std::string b = std::move(a);   // the *move constructor* steals a's buffer\n"
    "// a is now in a \"valid but unspecified\" state (in practice usually empty)\n```\n\n"
    "Consequences:\n\n"
    "- If the type has no move constructor, `std::move` silently falls back to a **copy**.\n"
    "- `std::move` on a **`const`** object also copies: `const T&&` can't bind to `T(T&&)`, so "
    "`T(const T&)` is chosen.\n"
    "- **Don't** write `return std::move(local);`. It disables copy elision (NRVO) and can make things "
    "slower; a plain `return local;` already moves when elision doesn't apply.\n"
    "- After moving from an object, only assign to it or destroy it; don't rely on its value.\n\n"
    "Its sibling `std::forward<T>(x)` is a *conditional* cast, used in templates to preserve whether the "
    "argument was an lvalue or an rvalue (perfect forwarding).",
    "cpp", None,
)

direct(
    "Scala: val vs lazy val vs def — when is each evaluated?",
    "```scala\nobject Demo {\n  val a = { println(\"a\"); 1 }       // evaluated once, when Demo is initialized\n"
    "  lazy val b = { println(\"b\"); 2 }  // evaluated once, on first access, then cached\n"
    "  def c = { println(\"c\"); 3 }       // evaluated on *every* call\n}\n```\n\n"
    "| | when | how often | cost |\n|---|---|---|---|\n"
    "| `val` | at construction | once | none at access |\n| `lazy val` | first access | once | a synchronized "
    "initialization check on each access (cheap after the first) |\n| `def` | each call | every time | the computation itself |\n\n"
    "**Typical uses:**\n"
    "- `val`: the default for fields and locals.\n"
    "- `lazy val`: expensive or rarely used values, and breaking **initialization-order** problems, e.g. a "
    "trait `val` that reads an abstract member a subclass hasn't set yet (you'd see `null`).\n"
    "- `def`: values that must be recomputed (`def now = Instant.now()`), or abstract members in traits. "
    "Declare them as `def` and let implementations override with a `val`.\n\n"
    "One gotcha: cyclic `lazy val`s across objects used from several threads can deadlock during "
    "initialization. Scala 3 changed the implementation, but avoid such cycles anyway.",
    "scala", None,
)

direct(
    "Elixir: what does the ^ pin operator do in pattern matching?",
    "In a match, a variable on the left-hand side normally **rebinds**: it matches anything and takes the "
    "new value. The pin `^` says: *don't rebind, match against the value this variable already has*.\n\n"
    "```elixir\nexpected = :ok\n\n{expected, 1} = {:error, 1}    # matches; expected is now :error (rebound)\n\n"
    "expected = :ok\n{^expected, 1} = {:error, 1}   # ** (MatchError): :error is not :ok\n```\n\n"
    "You'll use it most in:\n\n"
    "- **`case`/function heads**, to compare with a known value:\n"
    "  ```elixir\n  case Repo.get(Order, id) do\n    %Order{user_id: ^current_user_id} = order -> {:ok, order}\n"
    "    _ -> {:error, :not_found}\n  end\n  ```\n"
    "- **Ecto queries**, where `^` interpolates an Elixir value into the query as a parameter (and prevents "
    "SQL injection): `from o in Order, where: o.status == ^status`.\n"
    "- `receive` blocks, to wait for a reply with a specific reference: `{^ref, result} -> result`.",
    "elixir", None,
)

direct(
    "What's a covering index and when is it worth it?",
    "A **covering index** contains every column a query needs, so the database can answer from the "
    "index alone without visiting the table rows (an *index-only scan*).\n\n"
    "```sql\n-- the query\nSELECT status, total FROM orders WHERE customer_id = 42;\n\n"
    "-- a normal index: finds the rows, then fetches status/total from the table\nCREATE INDEX ON orders (customer_id);\n\n"
    "-- covering (PostgreSQL 11+, SQL Server): extra columns stored in the leaf pages, not part of the key\n"
    "CREATE INDEX ON orders (customer_id) INCLUDE (status, total);\n```\n\n"
    "**Worth it when** a hot, read-heavy query selects only a few columns and the table lookups dominate "
    "its cost, for example a dashboard listing or an API endpoint hit thousands of times a minute.\n\n"
    "**Costs**: a bigger index, slower writes (every `INSERT`/`UPDATE` of those columns touches the "
    "index), and in PostgreSQL index-only scans only pay off when the visibility map is current, i.e. "
    "the table is vacuumed regularly. Check with `EXPLAIN (ANALYZE, BUFFERS)` that you actually get "
    "`Index Only Scan` with few `Heap Fetches`. MySQL/InnoDB has no `INCLUDE`; there you add the columns "
    "to the key itself (`(customer_id, status, total)`).",
    "sql", None,
)

direct(
    "WHERE vs HAVING in SQL?",
    "Both filter, but at different stages of the query:\n\n"
    "- **`WHERE`** filters **rows** *before* grouping. It can't reference aggregates.\n"
    "- **`HAVING`** filters **groups** *after* `GROUP BY`, so it can use aggregates like `COUNT`, `SUM`.\n\n"
    "```sql\nSELECT customer_id, COUNT(*) AS orders, SUM(total) AS revenue\nFROM orders\n"
    "WHERE status = 'paid'              -- drop unpaid rows first\nGROUP BY customer_id\n"
    "HAVING SUM(total) > 1000;          -- keep only big customers\n```\n\n"
    "Logical order: `FROM` → `WHERE` → `GROUP BY` → `HAVING` → `SELECT` → `ORDER BY`.\n\n"
    "Performance tip: any condition that doesn't involve an aggregate belongs in `WHERE`. It shrinks the "
    "data before grouping and can use indexes. `HAVING status = 'paid'` would work in some databases but "
    "filters much later.",
    "sql", None,
)

direct(
    "What does `set -euo pipefail` at the top of a bash script actually do?",
    "It makes bash fail fast instead of ploughing on after errors:\n\n"
    "- **`-e`**: exit as soon as a command returns non-zero. Exceptions: commands tested in `if`/`while`, "
    "commands before `&&`/`||`, and negated commands (`! cmd`).\n"
    "- **`-u`**: referencing an **unset variable** is an error instead of silently expanding to an empty "
    "string. That's what saves you from `rm -rf \"$BUILD_DIR/\"*` with a typo'd variable name.\n"
    "- **`-o pipefail`**: a pipeline fails if **any** command in it fails, not just the last one. Without "
    "it, `curl ... | tar xz` \"succeeds\" even when `curl` failed.\n\n"
    "Caveats:\n"
    "```bash\nset -euo pipefail\n\necho \"${OPTIONAL:-}\"           # use a default for variables that may be unset\n"
    "count=$(grep -c foo file || true)  # grep exits 1 on zero matches; || true tolerates that\n```\n\n"
    "`-e` has surprising gaps (for example, inside functions called from an `if` condition it's "
    "disabled), so it's a safety net, not a substitute for checking the commands that matter. Adding "
    "`trap 'echo \"failed at line $LINENO\" >&2' ERR` makes failures easier to locate.",
    "bash", None,
)

direct(
    "Give me an intuition for Functor vs Monad in Haskell without category theory.",
    "Think of `f a` as \"a value of type `a` inside some context `f`\": maybe missing (`Maybe`), one of "
    "many (`[]`), possibly failed (`Either e`), or not computed yet (`IO`).\n\n"
    "**Functor**: you can apply a plain function *inside* the context, and the context's shape stays the same.\n"
    "```haskell\nfmap (+1) (Just 2)    -- Just 3\nfmap (+1) Nothing     -- Nothing\nfmap (+1) [1,2,3]     -- [2,3,4]\n```\n"
    "`fmap :: (a -> b) -> f a -> f b`\n\n"
    "**Monad**: the function you apply *itself produces a context*, and you want to **chain** such steps, "
    "with each step allowed to depend on the previous result and to change the shape (fail, branch, "
    "perform effects).\n"
    "```haskell\nsafeDiv :: Int -> Int -> Maybe Int\nsafeDiv _ 0 = Nothing\nsafeDiv a b = Just (a `div` b)\n\n"
    "Just 100 >>= safeDiv 1000 >>= safeDiv 50   -- Just 5\nJust 0   >>= safeDiv 1000 >>= safeDiv 50   -- Nothing\n```\n"
    "`(>>=) :: m a -> (a -> m b) -> m b`\n\n"
    "With only `fmap` you'd end up with `Maybe (Maybe Int)`. A monad knows how to **flatten** the nested "
    "context (`join`), which is what makes sequencing possible, and `do` notation is sugar for `>>=`.\n\n"
    "In between sits **Applicative**: combining *independent* contextual values, e.g. "
    "`(+) <$> Just 1 <*> Just 2`, where no step depends on another's result.",
    "haskell", None,
)

direct(
    "Dart: final vs const — what's the difference?",
    "Both mean \"can't be reassigned\". The difference is **when** the value is known:\n\n"
    "- **`final`**: set once, at **runtime**. Any expression is allowed.\n"
    "- **`const`**: a **compile-time constant**. The value and everything inside it must be known at "
    "compile time, and it's deeply immutable and canonicalized (identical `const` values share one instance).\n\n"
    "```dart\nfinal startedAt = DateTime.now();          // ✅ runtime value\nconst startedAt2 = DateTime.now();         // ❌ not a compile-time constant\n\n"
    "final list = [1, 2];  list.add(3);         // ✅ the variable is final, the list is still mutable\n"
    "const list2 = [1, 2]; list2.add(3);        // ❌ runtime error: unmodifiable list\n\n"
    "identical(const Text('hi'), const Text('hi'))  // true: one shared instance\n```\n\n"
    "**Why it matters in Flutter**: a `const` widget constructor (`const SizedBox(height: 8)`, "
    "`const Text('Title')`) is created once, and Flutter can skip rebuilding that subtree, because an "
    "identical instance is guaranteed unchanged. That's why the `prefer_const_constructors` lint exists.",
    "dart", "flutter",
)

direct(
    "How should idempotency keys work for a payments API I'm designing?",
    "The goal: a client can safely **retry** a request (after a timeout, crash or dropped connection) "
    "without charging twice.\n\n"
    "**Protocol**\n"
    "1. The client generates a unique key per *logical operation* (a UUIDv4) and sends it, e.g. "
    "`Idempotency-Key: 5f1c...`. Retries reuse the **same** key.\n"
    "2. The server stores `(client_id, key) → {request_fingerprint, status, response}`.\n"
    "3. On each request:\n"
    "   - **key unseen**: insert a row with status `in_progress` (a unique constraint makes concurrent "
    "duplicates lose the race), process, then store the response.\n"
    "   - **key seen and completed**: return the **stored response** verbatim (same status code and body); "
    "don't process again.\n"
    "   - **key seen and in progress**: return `409 Conflict` (or wait briefly).\n"
    "   - **same key, different body** (compare a hash of the request): return `422`. The client is "
    "misusing the key.\n\n"
    "**Details that matter**\n"
    "- Store the key **in the same transaction** as the business effect when possible, so you never record a "
    "charge without its key or the other way round.\n"
    "- Scope keys per client or account, and expire them after 24 hours to a few days.\n"
    "- Decide whether to cache failures: store the response of validation errors (4xx), but let "
    "retries through after transient 5xx so they can actually succeed.\n"
    "- Pass the key on to downstream providers that support it (Stripe, Adyen), so the whole chain is "
    "idempotent.",
    None, None,
)

direct(
    "In package.json, what's the difference between ^1.4.2 and ~1.4.2?",
    "Both allow updates, but different amounts:\n\n"
    "- **`~1.4.2` (tilde)**: patch updates only: `>=1.4.2 <1.5.0`.\n"
    "- **`^1.4.2` (caret)**: minor and patch updates: `>=1.4.2 <2.0.0`. This is npm's default for `npm install`.\n\n"
    "The caret is more conservative for **0.x** versions, because in semver anything below 1.0 may break "
    "on a minor bump:\n\n"
    "| Range | Allows |\n|---|---|\n| `^0.4.2` | `>=0.4.2 <0.5.0` |\n| `^0.0.3` | exactly `0.0.3` |\n| `~0.4.2` | `>=0.4.2 <0.5.0` |\n\n"
    "In practice the range only matters when the lockfile is created or updated. `npm ci` installs exactly "
    "what `package-lock.json` says, so commit the lockfile and let something like Renovate or Dependabot "
    "bump versions deliberately.",
    "javascript", None,
)

direct(
    "I committed to the wrong branch but haven't pushed. How do I undo the last commit and keep my changes?",
    "Since it isn't pushed, you can rewrite it safely:\n\n"
    "```bash\ngit reset --soft HEAD~1\n```\n\n"
    "This removes the commit but keeps all its changes **staged**. Then move them to the right branch:\n\n"
    "```bash\ngit switch the-right-branch     # or: git switch -c new-branch\ngit commit -m \"...\"\n```\n\n"
    "The variants:\n"
    "- `--soft`: undo the commit, keep changes staged.\n"
    "- `--mixed` (the default): undo the commit, keep changes but **unstaged**.\n"
    "- `--hard`: undo the commit **and throw the changes away**. Not what you want here.\n\n"
    "If `git switch` refuses because the changes conflict with the target branch, use `git stash`, "
    "`git switch the-right-branch`, then `git stash pop`. And if you ever lose a commit, `git reflog` "
    "lists where `HEAD` has been, so you can get it back with `git reset --hard <sha>`.",
    None, "git",
)

direct(
    "Dockerfile: CMD vs ENTRYPOINT — which one should my image use?",
    "- **`ENTRYPOINT`** defines the executable the container *is*.\n"
    "- **`CMD`** provides **default arguments**, or a default command when there's no `ENTRYPOINT`. "
    "Anything after the image name in `docker run image ...` **replaces** `CMD`.\n\n"
    "```dockerfile\nENTRYPOINT [\"python\", \"-m\", \"reportgen\"]\nCMD [\"--help\"]\n```\n"
    "```bash\ndocker run reportgen                 # python -m reportgen --help\n"
    "docker run reportgen --month 2024-05  # python -m reportgen --month 2024-05\n```\n\n"
    "**Guidance**\n"
    "- For an app or service image, a plain `CMD [\"node\", \"dist/server.js\"]` is enough, and it's easy "
    "to override for debugging (`docker run -it img sh`).\n"
    "- Use `ENTRYPOINT` (+ `CMD` for default flags) when the image wraps a single CLI tool, or with an "
    "entrypoint script that does setup and then `exec \"$@\"`.\n"
    "- Always use the **exec form** (JSON array). The shell form (`CMD node server.js`) runs under "
    "`/bin/sh -c`, so your process isn't PID 1 and doesn't receive `SIGTERM`, and containers take 10 seconds "
    "to stop.",
    None, "docker",
)

direct(
    "HTTP 401 vs 403 — which one should my API return?",
    "- **401 Unauthorized** really means **unauthenticated**: \"I don't know who you are.\" The credentials "
    "are missing, expired or invalid. The client can fix it by (re)authenticating. Per the spec, send a "
    "`WWW-Authenticate` header, e.g. `WWW-Authenticate: Bearer error=\"invalid_token\"`.\n"
    "- **403 Forbidden**: \"I know who you are, and you're not allowed to do this.\" Logging in again won't "
    "help; the user lacks the permission or role.\n\n"
    "Examples:\n"
    "| Situation | Status |\n|---|---|\n| no `Authorization` header | 401 |\n| expired JWT | 401 |\n"
    "| valid token, but a `viewer` tries to delete a project | 403 |\n| valid token, but the account is suspended | 403 |\n\n"
    "One deliberate exception: when even revealing that a resource **exists** would leak information "
    "(another tenant's invoice ID), return **404** instead of 403. GitHub does this for private repos. "
    "Frontends also rely on the distinction: a 401 should trigger a token refresh or redirect to login, "
    "while a 403 should show a \"no access\" message.",
    None, None,
)

direct(
    "How does a hash map stay O(1) on average, and what makes it degrade?",
    "A hash map stores entries in an array of **buckets**. To find a key it:\n"
    "1. computes `hash(key)`,\n2. maps it to a bucket index (`hash % capacity`, or a bitmask),\n"
    "3. compares only the few keys in that bucket with `==`.\n\n"
    "It's O(1) **on average** because of two things:\n"
    "- a **good hash function** spreads keys evenly, so buckets stay short;\n"
    "- the table **resizes** (typically doubling) when the *load factor* (entries / buckets) passes a "
    "threshold, about 0.75 in Java and about 2/3 in CPython's dict. One resize costs O(n), but spread over "
    "all inserts it's still O(1) *amortized*.\n\n"
    "**What makes it degrade:**\n"
    "- **Many collisions**: a poor `hashCode`/`__hash__` (e.g. returning a constant), or adversarial input "
    "designed to collide (\"hash flooding\"). That's why Python randomizes string hashes per process, "
    "and Java 8+ turns long buckets into balanced trees (worst case O(log n) instead of O(n)).\n"
    "- **Mutating a key** after inserting it: its hash changes, and the entry becomes unreachable.\n"
    "- **Resize spikes**: the average is fine, but a single insert that triggers a resize is slow. "
    "Pre-size the map (`new HashMap<>(expected * 4 / 3)`, `make(map[K]V, n)`) for latency-sensitive code.",
    None, None,
)

direct(
    "Write a quick Python snippet to chunk a list into batches of n — just show it here, don't create a file.",
    "On **Python 3.12+** it's built in:\n\n"
    "```python\nfrom itertools import batched\n\nfor batch in batched(range(10), 4):\n    print(batch)\n"
    "# (0, 1, 2, 3)\n# (4, 5, 6, 7)\n# (8, 9)\n```\n\n"
    "For older versions, or if you want lists rather than tuples:\n\n"
    "```python\nfrom itertools import islice\nfrom typing import Iterable, Iterator, TypeVar\n\nT = TypeVar(\"T\")\n\n"
    "def chunks(items: Iterable[T], n: int) -> Iterator[list[T]]:\n    if n < 1:\n        raise ValueError(\"n must be >= 1\")\n"
    "    it = iter(items)\n    while batch := list(islice(it, n)):\n        yield batch\n```\n\n"
    "Both work on any iterable, including generators and file objects, without loading everything "
    "into memory. For a list you already have in memory, the slicing one-liner is fine too: "
    "`[xs[i:i + n] for i in range(0, len(xs), n)]`.",
    "python", None,
)


# ==== templated examples (a minor share, several phrasings each) =================================


GLOB_TASKS = [
    # (language, framework, what, pattern, matches)
    ("python", "fastapi", "Alembic migration scripts", "alembic/versions/*.py",
     ["alembic/versions/0a1b2c3d4e5f_create_users.py", "alembic/versions/5e6f7a8b9c0d_add_api_keys.py",
      "alembic/versions/c4d5e6f7a8b9_orders_soft_delete.py"]),
    ("ruby", "rails", "RSpec request specs", "spec/requests/**/*_spec.rb",
     ["spec/requests/api/v1/orders_spec.rb", "spec/requests/api/v1/products_spec.rb",
      "spec/requests/sessions_spec.rb", "spec/requests/webhooks/stripe_spec.rb"]),
    ("go", "grpc", "generated protobuf Go files", "**/*.pb.go",
     ["gen/billing/v1/billing.pb.go", "gen/billing/v1/billing_grpc.pb.go", "gen/common/v1/money.pb.go"]),
    ("typescript", "nestjs", "NestJS module files", "src/**/*.module.ts",
     ["src/app.module.ts", "src/invoices/invoices.module.ts", "src/payments/payments.module.ts",
      "src/dunning/dunning.module.ts"]),
    ("java", "spring_boot", "profile-specific Spring config files", "src/main/resources/application-*.yml",
     ["src/main/resources/application-dev.yml", "src/main/resources/application-prod.yml",
      "src/main/resources/application-test.yml"]),
    ("kotlin", "android", "layout XML files of the app module", "app/src/main/res/layout/*.xml",
     ["app/src/main/res/layout/activity_main.xml", "app/src/main/res/layout/item_message.xml",
      "app/src/main/res/layout/view_empty_state.xml"]),
    ("csharp", "aspnet_core", "appsettings files", "**/appsettings*.json",
     ["src/Api/appsettings.json", "src/Api/appsettings.Development.json", "src/Worker/appsettings.json"]),
    ("elixir", "phoenix", "ExUnit test files", "test/**/*_test.exs",
     ["test/ledger/accounts_test.exs", "test/ledger/entries_test.exs", "test/ledger/imports_test.exs",
      "test/ledger_web/live/account_live_test.exs"]),
    ("rust", None, "integration test files", "tests/*.rs",
     ["tests/cli.rs", "tests/roundtrip.rs", "tests/snapshots.rs"]),
    ("php", "laravel", "database migrations", "database/migrations/*.php",
     ["database/migrations/2024_01_10_000000_create_teams_table.php",
      "database/migrations/2024_01_10_000001_create_projects_table.php",
      "database/migrations/2024_05_02_131500_add_due_date_to_projects_table.php"]),
    ("swift", "swiftui", "SwiftUI view files", "**/*View.swift",
     ["Sources/App/Views/TripListView.swift", "Sources/App/Views/TripDetailView.swift",
      "Sources/App/Components/EmptyStateView.swift"]),
    ("javascript", "express", "Express router modules", "src/routes/*.js",
     ["src/routes/health.js", "src/routes/products.js", "src/routes/search.js"]),
    ("cpp", None, "public headers under include/", "include/**/*.hpp",
     ["include/tilemap/atlas.hpp", "include/tilemap/chunk.hpp", "include/tilemap/palette.hpp",
      "include/tilemap/thread_pool.hpp"]),
    ("dart", "flutter", "generated freezed files", "lib/**/*.freezed.dart",
     ["lib/features/feed/post.freezed.dart", "lib/features/auth/session_state.freezed.dart"]),
]

GLOB_ASKS = [
    "Find all the {what}.",
    "Where are our {what}? A file-name search is enough.",
    "list every one of the {what} in this repo",
    "Can you glob for the {what}?",
    "which {what} do we have?",
]

GREP_TASKS = [
    # (language, framework, symbol, query, matches as (path, line, text), index of the definition)
    ("python", "django", "get_active_subscription", "get_active_subscription", [
        ("billing/selectors.py", 31, "def get_active_subscription(account):"),
        ("billing/views.py", 58, "    sub = get_active_subscription(request.user.account)"),
        ("billing/tasks.py", 102, "        sub = get_active_subscription(account)"),
        ("billing/tests/test_selectors.py", 12, "    assert get_active_subscription(account) is None"),
    ], 0),
    ("typescript", "react", "formatCurrency", "formatCurrency", [
        ("src/lib/money.ts", 4, "export function formatCurrency(cents: number, currency = 'EUR'): string {"),
        ("src/components/CartSummary.tsx", 27, "        <dd>{formatCurrency(totalCents)}</dd>"),
        ("src/components/PriceTag/PriceTag.tsx", 3, "import { formatCurrency } from '../../lib/money'"),
    ], 0),
    ("go", None, "NewRedisClient", "NewRedisClient", [
        ("internal/cache/redis.go", 22, "func NewRedisClient(cfg config.Redis) (*redis.Client, error) {"),
        ("cmd/api/main.go", 41, "\trdb, err := cache.NewRedisClient(cfg.Redis)"),
        ("cmd/worker/main.go", 29, "\trdb, err := cache.NewRedisClient(cfg.Redis)"),
    ], 0),
    ("java", "spring_boot", "OrderPlacedEvent", "OrderPlacedEvent", [
        ("src/main/java/com/shopline/orders/events/OrderPlacedEvent.java", 5, "public record OrderPlacedEvent(long orderId, Instant placedAt) {}"),
        ("src/main/java/com/shopline/orders/OrderService.java", 61, "        events.publishEvent(new OrderPlacedEvent(order.getId(), clock.instant()));"),
        ("src/main/java/com/shopline/mail/OrderMailListener.java", 22, "    void on(OrderPlacedEvent event) {"),
        ("src/main/java/com/shopline/stock/StockReservationListener.java", 18, "    public void handle(OrderPlacedEvent event) {"),
    ], 0),
    ("ruby", "rails", "BillingMailer", "BillingMailer", [
        ("app/mailers/billing_mailer.rb", 1, "class BillingMailer < ApplicationMailer"),
        ("app/services/billing/charge_customer.rb", 44, "      BillingMailer.receipt(charge).deliver_later"),
        ("spec/mailers/billing_mailer_spec.rb", 3, "RSpec.describe BillingMailer, type: :mailer do"),
    ], 0),
    ("rust", None, "parse_header", r"parse_header\(", [
        ("crates/lexi/src/header.rs", 40, "pub fn parse_header(input: &[u8]) -> Result<Header, ParseError> {"),
        ("crates/lexi/src/reader.rs", 77, "        let header = parse_header(&buf[..HEADER_LEN])?;"),
        ("crates/lexi-cli/src/inspect.rs", 19, "    let header = lexi::parse_header(&bytes)?;"),
    ], 0),
    ("csharp", "aspnet_core", "ITenantContext", "ITenantContext", [
        ("src/Api/Tenancy/ITenantContext.cs", 3, "public interface ITenantContext"),
        ("src/Api/Tenancy/HeaderTenantContext.cs", 7, "public sealed class HeaderTenantContext : ITenantContext"),
        ("src/Api/Program.cs", 19, "builder.Services.AddScoped<ITenantContext, HeaderTenantContext>();"),
        ("src/Billing/Invoices/InvoiceQueries.cs", 12, "    public InvoiceQueries(BillingDbContext db, ITenantContext tenant)"),
    ], 0),
    ("kotlin", "android", "SessionManager", "SessionManager", [
        ("app/src/main/java/com/tindr/auth/SessionManager.kt", 14, "class SessionManager @Inject constructor("),
        ("app/src/main/java/com/tindr/profile/ProfileViewModel.kt", 21, "    private val sessions: SessionManager,"),
        ("app/src/main/java/com/tindr/MainActivity.kt", 33, "    @Inject lateinit var sessionManager: SessionManager"),
    ], 0),
    ("php", "laravel", "InvoicePolicy", "InvoicePolicy", [
        ("app/Policies/InvoicePolicy.php", 9, "class InvoicePolicy"),
        ("app/Providers/AuthServiceProvider.php", 18, "        Invoice::class => InvoicePolicy::class,"),
        ("tests/Feature/InvoicePolicyTest.php", 11, "class InvoicePolicyTest extends TestCase"),
    ], 0),
    ("elixir", "phoenix", "post_entry", r"post_entry\(", [
        ("lib/ledger/entries.ex", 18, "  def post_entry(attrs) do"),
        ("lib/ledger_web/controllers/entry_controller.ex", 24, "    case Entries.post_entry(params) do"),
        ("lib/ledger/imports.ex", 52, "      Entries.post_entry(%{account_id: acc.id, amount: row.amount})"),
        ("test/ledger/entries_test.exs", 15, "      assert {:ok, entry} = Entries.post_entry(valid_attrs())"),
    ], 0),
    ("scala", "play", "RoutingClient", "RoutingClient", [
        ("app/services/RoutingClient.scala", 12, "class RoutingClient @Inject() (ws: WSClient, config: Configuration)(implicit ec: ExecutionContext) {"),
        ("app/controllers/TripsController.scala", 15, "    routing: RoutingClient,"),
        ("test/services/RoutingClientSpec.scala", 9, "class RoutingClientSpec extends PlaySpec {"),
    ], 0),
    ("swift", None, "ImageCache", "ImageCache", [
        ("Sources/TripKit/Networking/ImageCache.swift", 4, "actor ImageCache {"),
        ("Sources/App/Views/TripDetailView.swift", 12, "    @Environment(\\.imageCache) private var imageCache: ImageCache"),
        ("Sources/App/AppEnvironment.swift", 8, "    static let defaultValue = ImageCache(limit: 200)"),
    ], 0),
]

GREP_ASKS = [
    "Where is {sym} used?",
    "find all references to {sym}",
    "grep the code for {sym}",
    "who uses {sym}? search the codebase",
    "Which files mention {sym}?",
]


def templated(rng: random.Random) -> list[dict[str, Any]]:
    """File-name and symbol searches from small tables, each phrased one of several ways."""
    out: list[dict[str, Any]] = []
    for lang, fw, what, pattern, matches in GLOB_TASKS:
        ask = rng.choice(GLOB_ASKS).format(what=what)
        listing = "\n".join(f"- `{m}`" for m in matches)
        dirs = sorted({m.rsplit("/", 1)[0] for m in matches})
        where = (f"all in `{dirs[0]}/`" if len(dirs) == 1
                 else f"spread over {len(dirs)} folders")
        answer = rng.choice([
            f"There are {len(matches)} {what}, {where}:\n\n{listing}",
            f"I found {len(matches)} files matching `{pattern}` ({where}):\n\n{listing}",
            f"{len(matches)} matches for `{pattern}`:\n\n{listing}\n\nThey're {where}.",
        ])
        out.append({"kind": "single", "user": ask, "answer": answer, "language": lang, "framework": fw,
                    "name": None, "steps": [("file_glob_search", {"pattern": pattern}, "\n".join(matches))]})
    for lang, fw, sym, query, matches, definition in GREP_TASKS:
        ask = rng.choice(GREP_ASKS).format(sym=f"`{sym}`" if rng.random() < 0.5 else sym)
        result = "\n".join(f"{path}:{line}:{text}" for path, line, text in matches)
        def_path, def_line, _ = matches[definition]
        uses = [m for i, m in enumerate(matches) if i != definition]
        bullets = "\n".join(f"- `{path}:{line}`" for path, line, _ in uses)
        files = len({path for path, _, _ in matches})
        answer = rng.choice([
            f"`{sym}` is defined in `{def_path}` (line {def_line}) and referenced in {len(uses)} other places:"
            f"\n\n{bullets}",
            f"{len(matches)} hits in {files} files. The definition is at `{def_path}:{def_line}`; the rest are usages:"
            f"\n\n{bullets}",
            f"Here's where `{sym}` shows up besides its definition (`{def_path}:{def_line}`):\n\n{bullets}",
        ])
        out.append({"kind": "single", "user": ask, "answer": answer, "language": lang, "framework": fw,
                    "name": None, "steps": [("grep_search", {"query": query}, result)]})
    return out


# ==== assembling the dataset =====================================================================

KINDS = ("single", "chain", "no_tool", "error_recovery")


def _call_id(rng: random.Random) -> str:
    return f"call_{rng.getrandbits(48):012x}"


def _check(scenario: dict[str, Any], validators: dict[str, Draft202012Validator]) -> None:
    kind, steps = scenario["kind"], scenario["steps"]
    where = scenario["user"][:60]
    assert kind in KINDS, where
    assert (kind == "no_tool") == (not steps), where
    if kind == "single":
        assert len(steps) == 1, where
    if kind == "chain":
        assert len(steps) >= 2, where
    for step in steps:
        name, args, result = step[:3]
        tool(name)  # raises for a name outside Continue's catalog
        assert name in DATASET_TOOLS, f"{where}: {name} is not a dataset tool"
        errors = [e.message for e in validators[name].iter_errors(args)]
        assert not errors, f"{where}: {name} arguments: {errors}"
        assert isinstance(result, str) and result, where
    assert scenario["answer"].strip(), where


def build(seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    tools = function_schemas(DATASET_TOOLS)
    system = system_prompt()
    validators = {name: Draft202012Validator(strict_schema(name)) for name in DATASET_TOOLS}
    scenarios = SCENARIOS + templated(rng)
    seen_users: set[str] = set()
    for s in scenarios:
        _check(s, validators)
        assert s["user"] not in seen_users, f"duplicate user message: {s['user'][:60]}"
        seen_users.add(s["user"])
    rng.shuffle(scenarios)

    examples = []
    for s in scenarios:
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": system},
            {"role": "user", "content": s["user"]},
        ]
        for step in s["steps"]:
            name, args, result = step[:3]
            said = step[3] if len(step) > 3 else ""
            call_id = _call_id(rng)
            messages.append({"role": "assistant", "content": said, "tool_calls": [
                {"id": call_id, "type": "function", "function": {"name": name, "arguments": args}}]})
            messages.append({"role": "tool", "tool_call_id": call_id, "name": name, "content": result})
        messages.append({"role": "assistant", "content": s["answer"]})
        meta: dict[str, Any] = {"kind": s["kind"], "tools": [step[0] for step in s["steps"]],
                                "language": s["language"], "framework": s["framework"]}
        if s["name"]:
            meta["name"] = s["name"]
        examples.append({"messages": messages, "tools": tools, "meta": meta})
    return examples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output file (default {DEFAULT_OUT.relative_to(ROOT)})")
    args = parser.parse_args(argv)
    examples = build(args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8", newline="\n") as fh:
        for e in examples:
            fh.write(json.dumps(e, ensure_ascii=False) + "\n")
    print(f"wrote {len(examples)} examples to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
