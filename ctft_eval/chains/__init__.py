"""Chains that run live and are judged by what they achieve.

A chain case (`steps:` in a suite) with `milestones:` runs live (ctft_eval.chains.live): each tool
call the model makes runs on a copy of the case's workspace through the one tool runner, as Continue
runs it, and its real output goes back to the model; the conversation goes on until the model
answers without a call, the step budget is spent, the client stops it or the model loops. Every
call's result is recorded with its reply, so replay and rescore judge without running anything.

The chain passes when every milestone is reached (ctft_eval.chains.goals: files read or found,
files written so that their checks pass, calls made, words in the final answer) and no minefield
is touched (a tool not offered, a write outside the workspace, a destructive command, or what the
case forbids), within the budget (ctft_eval.chains.judge).
"""
