"""The HTML comparison report (ctft_eval.report.html): self-contained, escaped, one bar per run and dimension."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st
from records import entry, make_record, run, view

from ctft_eval import shown
from ctft_eval.compare import RegressionSettings, RunView, common_cases, compare, rate
from ctft_eval.report import html
from ctft_eval.scorers.outcome import failed, passed

SVG_NS = "http://www.w3.org/2000/svg"
ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "ul", "li", "span", "b", "code",
                "svg", "line", "text", "rect", "table", "tr", "th", "td"}
DIMS = ("tool_selection", "arguments", "chain")
# what a page may not carry raw (controls but the newline, bidi controls, separators, lone surrogates)
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]")


class Page(HTMLParser):
    """Tags, attributes and text of a page (text unescaped)."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def named(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for t, attrs in self.tags if t == tag]


def render(views: list[RunView], rules: RegressionSettings | None = None) -> str:
    comparisons = [compare(views[0], v) for v in views[1:]]
    return html.report(views, comparisons, rules or RegressionSettings())


def two_runs(base_label: str = "base.json", current_label: str = "this run", reason: str = "called ls"):
    base = make_record([entry("a", {"tool_selection": True}), entry("b", {"tool_selection": True}),
                        entry("c", {"tool_selection": failed("tool_selection", "no_call", "answered in text")})])
    now = make_record([entry("a", {"tool_selection": True, "arguments": True}),
                       entry("b", {"tool_selection": failed("tool_selection", "wrong_tool", reason)}),
                       entry("c", {"tool_selection": passed("tool_selection", "called read_file")})])
    return [view(base, base_label), view(now, current_label)]


def test_the_page_fetches_nothing():
    page_text = render(two_runs())
    assert re.findall(r"[a-z][a-z0-9+.-]*://[^\s\"'<>]*", page_text, re.I) == [SVG_NS]
    page = Page(page_text)
    assert {tag for tag, _ in page.tags} <= ALLOWED_TAGS
    assert not any(k in ("src", "href") for _, attrs in page.tags for k in attrs)
    assert "<script" not in page_text.lower() and "@import" not in page_text and "url(" not in page_text
    assert page.named("svg") == [{"xmlns": SVG_NS, "width": "420", "height": "300", "role": "img",
                                  "aria-label": "pass rate per dimension and run"}]


def test_labels_reasons_case_ids_and_notes_are_escaped():
    hostile = '<script>alert("x")</script>'
    base = make_record([entry("<b>case</b>", {"tool_selection": True})], settings={"temperature": "<i>hot</i>"})
    now = make_record([entry("<b>case</b>", {"tool_selection": failed("tool_selection", "wrong_tool",
                                                                      "called <img src=x onerror=alert(1)> & more")})])
    page_text = render([view(base, hostile), view(now, "now & then")])
    page = Page(page_text)
    assert "script" not in {tag for tag, _ in page.tags} and "img" not in {tag for tag, _ in page.tags}
    assert {tag for tag, _ in page.tags} <= ALLOWED_TAGS
    text = "".join(page.text)
    assert f"{hostile} [ollama:m|native]" in text and "now & then [ollama:m|native]" in text
    assert "called <img src=x onerror=alert(1)> & more" in text
    assert "<b>case</b>" in text and "temperature '<i>hot</i>' -> 0.0" in text
    assert "&lt;script&gt;" in page_text and "&amp; more" in page_text


@settings(max_examples=40)
@given(st.text(max_size=40), st.text(max_size=40))
def test_any_label_and_reason_come_out_as_text(label, reason):
    page = Page(render(two_runs(current_label=label, reason=reason)))
    assert {tag for tag, _ in page.tags} <= ALLOWED_TAGS
    text = "".join(page.text)
    assert shown.block(f"{label} [ollama:m|native]") in text  # control characters shown as escapes
    assert shown.block(reason) in text
    assert not RAW.search(text)


def test_one_bar_per_run_and_dimension_with_data():
    page_text = render(two_runs())
    titles = re.findall(r"<rect [^>]*><title>(.*?)</title></rect>", page_text)
    assert titles == ["base.json [ollama:m|native]: tool_selection 66.7% (2/3)",
                      "this run [ollama:m|native]: tool_selection 66.7% (2/3)",
                      "this run [ollama:m|native]: arguments 100.0% (1/1)"]
    labels = re.findall(r'<text [^>]*text-anchor="middle">([^<]*)</text>', page_text)
    assert labels == ["tool_selection", "arguments"]


verdict = st.sampled_from([True, False, None])
run_verdicts = st.dictionaries(st.sampled_from(["c0", "c1", "c2", "c3", "c4"]),
                               st.dictionaries(st.sampled_from(DIMS), verdict, min_size=1), min_size=1)


@settings(max_examples=40)
@given(st.lists(run_verdicts, min_size=1, max_size=4))
def test_the_chart_has_a_bar_for_each_run_and_dimension_it_counts(runs):
    views = [view(make_record(run(r)), f"run{i}") for i, r in enumerate(runs)]
    cases = common_cases(views)
    page = Page(render(views))
    expected = sum(1 for v in views for d in DIMS if rate(v, d, cases)[1])
    rects = page.named("rect")
    assert len(rects) == expected
    for attrs in rects:
        assert 0.0 <= float(attrs["height"]) <= 240.0 + 1e-9


def test_the_delta_table_and_its_verdicts():
    page_text = render(two_runs(), RegressionSettings(dimensions=("arguments",)))
    assert ("<tr><th>tool_selection</th><td>3</td><td>66.7%</td><td>66.7%</td><td>+0.0 pts</td><td>1</td>"
            "<td>1</td><td>1.0000</td><td class='good'>not gated</td></tr>") in page_text
    regressed = render(two_runs(), RegressionSettings(max_drop_points=-1.0))
    assert "<td class='bad'>REGRESSION</td>" not in regressed  # no drop: a +0.0 delta never regresses


def test_a_regression_is_marked_bad():
    base = make_record(run({"a": {"tool_selection": True}, "b": {"tool_selection": True}}))
    now = make_record(run({"a": {"tool_selection": False}, "b": {"tool_selection": True}}))
    page_text = render([view(base, "base"), view(now, "now")])
    assert "<td>-50.0 pts</td>" in page_text and "<td class='bad'>REGRESSION</td>" in page_text


def test_the_flips_table_lists_broken_then_fixed_with_their_reasons():
    page_text = render(two_runs())
    rows = re.findall(r"<tr><td><code>(.*?)</code></td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", page_text)
    assert rows == [("b", "tool_selection", "broken", "called ls"),
                    ("c", "tool_selection", "fixed", "answered in text")]


def test_no_flips_table_without_flips():
    same = make_record(run({"a": {"tool_selection": True}}))
    page_text = render([view(same, "one"), view(same, "two")])
    assert "<th>flip</th>" not in page_text
    assert "<h2>two [ollama:m|native] against one [ollama:m|native]</h2>" in page_text


def test_runs_listed_with_their_fingerprints():
    page = Page(render(two_runs()))
    items = [t for t in "".join(page.text).splitlines() if "— spec:" in t]
    no_profile = "; profile no Continue profile recorded (a run from before profiles)"
    assert items == ["■ base.json [ollama:m|native] — spec: ollama:m, digest: d1" + no_profile,
                     "■ this run [ollama:m|native] — spec: ollama:m, digest: d1" + no_profile]
