"""Where each actor stands: positions, their history, the matrix, the changes.

The rules, each tested in tests/test_positions.py, and all of them at once
against a negotiation coded by hand in tests/test_positions_handcoded.py:

- **Published only.** Positions are derived from the claims of published
  statements; drafts, statements in review and retracted statements count for
  nothing. Every read (pages, API, feeds, webhooks) also hides a stored
  position whose statement is no longer published, and the contesting claims
  of such statements, so that a retraction shows at once, before the
  recompute has run.
- **What counts for a target.** Positions are kept per (actor, target): the
  actor is a claim's subject, the target a proposal, a provision, a demand or
  an issue. A position on a proposal, a provision or a demand rests on claims
  on that very target. A position on an *issue* rests on claims on the issue
  itself and on the provisions that address it (a provision is the issue's
  text in a proposal), except a provision of a proposal that a newer version
  had superseded by the claim's date (a proposal superseding it, directly or
  down the line, was presented, by its last day, on or before the claim's
  last day): that claim still counts for the provision, not for the issue.
  A claim on a whole **proposal** is a stance on that package only: it never
  sets, changes or contests a position on an issue (parties reject a text
  over one clause and still want the others); it is shown beside the issues
  the proposal addresses as *packages*. Claims on a demand, or on a
  sub-issue, do not count for the issue either (a demand has its own
  direction: "troops stay" accepted is the withdrawal rejected).
- **Own words first.** A position rests on the actor's own claims (basis
  `own`). Until the actor's first own claim on the target, `attributed` claims
  (a named other actor says so) set it. `anonymous` and `reported` claims
  never set a position.
- **Dates.** A claim counts from the last day of its statement's date: "Aug
  2024" counts from Aug 31. "As of d" is the newest position counting on or
  before d.
- **One date, one position.** The claims that may set a pair's position and
  count from the same day make one position, resting on one of them, the
  winner: an own claim before an attributed one; then, on an issue, a claim on
  the issue itself before one on a provision; then the most reserved stance
  (the lowest); then the claim entered last. So nothing within one statement,
  nor within one day, is a change.
- **Contested by.** A position is contested by every claim on the same actor
  and target that does not set a position (anonymous and reported claims,
  attributed ones once the actor has spoken for itself, and attributed ones
  outdone on their day) that counts on or after the position's day and before
  the next position's, and whose stance has another sign (positive, zero,
  negative). The position keeps those claims; as of a date, only those
  counting by then show.
- **Changes.** Between consecutive positions: `reversed` when the stance
  changes sign between positive and negative, else `hardened` (down) or
  `softened` (up). On a demand, the first positive stance is a `new_demand`
  and a later fall to zero or below is `dropped`; a demand raised again is a
  `new_demand` again.
- **Matrix.** Parties × issues as of a date: a cell is the party's position on
  the issue, or empty when the party said nothing on the issue or its
  provisions (whatever it said of proposals: those show beside it).
  Convergence per issue over the parties with a position: `unknown` with
  fewer than two, `converged` when all accept, `narrowing` when none rejects
  or resists, `apart` otherwise.

`rules` holds the rules as pure functions; `store` keeps the Position table
(a cache of the claims: `recompute` some pairs, `rebuild` all); `queries`
reads it.
"""

from negotiations.positions.queries import (
    Matrix,
    changes,
    changes_queryset,
    history,
    latest_day,
    latest_positions,
    matrix,
    packages,
    with_contests,
    with_packages,
)
from negotiations.positions.rules import Convergence, Fact, classify, convergence, derive
from negotiations.positions.store import (
    ChangeEvent,
    Key,
    all_keys,
    compute,
    derive_negotiation,
    event_id,
    keys_for_claim,
    rebuild,
    recompute,
    same_rows,
    write_positions,
)

__all__ = [
    "ChangeEvent",
    "Convergence",
    "Fact",
    "Key",
    "Matrix",
    "all_keys",
    "changes",
    "changes_queryset",
    "classify",
    "compute",
    "convergence",
    "derive",
    "derive_negotiation",
    "event_id",
    "history",
    "keys_for_claim",
    "latest_day",
    "latest_positions",
    "matrix",
    "packages",
    "rebuild",
    "recompute",
    "same_rows",
    "with_contests",
    "with_packages",
    "write_positions",
]
