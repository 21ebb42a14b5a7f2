"""The Jonas virus of *All of Us Are Dead*, as a compartmental model (time in hours).

Canon and our choices are set out parameter by parameter in docs/hyosan.md. In short:
humans are calm (S) or afraid (F); fear spreads from seeing zombies and from frightened
people, and fades. Bites by zombies (and, rarely, by halfbies) make people *bitten*: most
turn within minutes (E, or Ef if bitten while afraid: "fear into rage" speeds turning by
1 + rage), a few turn slowly (L, hours to days), as do those infected by zombie blood in
a wound. Turning ends as a zombie (Z), or with probability p_halfbie as a halfbie (H), whom
zombies never bite. People who fight back destroy zombies (kill-to-bite ratio alpha, as in
Alemi et al. 2015); the afraid fight less and hide more. Before martial law people leave the
city (Out; infected carriers to OutL).

Compartments the response uses: Zl (zombies lured into the strike zone by drones), Camp
(people who passed camp screening), CampI (infected who slipped through; camp guards put
them down as they turn: Dq), Iso (infected caught at screening), Hc (halfbies who passed
screening and hide in the camps, as Eun-ji did), Hq (halfbies caught at screening and
held), Dz (zombies destroyed by people). Strikes add their own compartments of the
killed, split into infected and uninfected.
"""

from __future__ import annotations

import numpy as np

from jonas.metrics import Metric, RunView
from jonas.model.families.family import Family, Structure, t

CITY = ("S", "F", "E", "Ef", "L", "Z", "H")
ELSEWHERE = ("Zl", "Out", "OutL", "Camp", "CampI", "Iso", "Hc", "Hq", "Dz", "Dq")
ALIVE_UNINFECTED = ("S", "F", "Out", "Camp")
HALFBIES = ("H", "Hc", "Hq")
ZOMBIES = ("Z", "Zl")

PARAMETERS = (
    "beta",
    "alpha",
    "fight_afraid",
    "hide_afraid",
    "phi_see",
    "phi_spread",
    "calm",
    "turn_fast",
    "rage",
    "p_slow",
    "turn_slow",
    "p_blood",
    "p_halfbie",
    "restraint",
    "leave",
    "flee_afraid",
    "watch",
)

_BITTEN_CALM = {"E": "1 - p_slow", "L": "p_slow"}
_BITTEN_AFRAID = {"Ef": "1 - p_slow", "L": "p_slow"}
_TURNED = {"Z": "1 - p_halfbie", "H": "p_halfbie"}


def _jonas(variant: str) -> Structure:
    freq = "frequency"
    return Structure(
        CITY + ELSEWHERE,
        (
            # Fear: seeing zombies, panic spreading, calming down.
            t("S", "F", "phi_see", by="Z", mixing=freq, name="fear from zombies"),
            t("S", "F", "phi_spread", by="F", mixing=freq, name="fear spreads"),
            t("F", "S", "calm", name="calming down"),
            # Bites. The afraid flee and hide: exposure scaled by hide_afraid.
            t("S", _BITTEN_CALM, "beta", by="Z", mixing=freq, name="bite"),
            t("F", _BITTEN_AFRAID, "beta * hide_afraid", by="Z", mixing=freq, name="bite (afraid)"),
            t("S", _BITTEN_CALM, "beta * restraint", by="H", mixing=freq, name="halfbie bite"),
            t(
                "F",
                _BITTEN_AFRAID,
                "beta * restraint * hide_afraid",
                by="H",
                mixing=freq,
                name="halfbie bite (afraid)",
            ),
            # Zombie blood in a wound while fighting: the slow route.
            t("S", "L", "alpha * beta * p_blood", by="Z", mixing=freq, name="blood in a wound"),
            t(
                "F",
                "L",
                "alpha * beta * fight_afraid * p_blood",
                by="Z",
                mixing=freq,
                name="blood in a wound (afraid)",
            ),
            # Fighting back (kill-to-bite ratio alpha); the afraid fight less.
            t("Z", "Dz", "alpha * beta", by="S", mixing=freq, name="zombie destroyed"),
            t(
                "Z",
                "Dz",
                "alpha * beta * fight_afraid",
                by="F",
                mixing=freq,
                name="zombie destroyed (afraid)",
            ),
            # Turning: minutes for most, "fear into rage" speeds it, hours to days for a few.
            t("E", _TURNED, "1 / turn_fast", name="turning"),
            t("Ef", _TURNED, "(1 + rage) / turn_fast", name="turning (afraid)"),
            t("L", _TURNED, "1 / turn_slow", name="slow turning"),
            # Leaving the city before martial law (a cordon closes these).
            t("S", "Out", "leave", name="leaving"),
            t("F", "Out", "leave * flee_afraid", name="fleeing"),
            t("L", "OutL", "leave", name="carrier leaving"),
            # Carriers who passed camp screening are caught by the guards' watch as they turn.
            t("CampI", "Dq", "1 / watch", name="turned in camp"),
        ),
        population=CITY,
    )


def jonas_metrics(run: RunView) -> dict[str, np.ndarray]:
    """Survivors, halfbies alive, the zombie peak and when zombies first reached 1,000."""
    zombies = run.total(ZOMBIES)
    reached = zombies >= 1000
    first = np.where(reached.any(axis=1), run.times[reached.argmax(axis=1)], np.nan)
    return {
        "survivors": run.final(ALIVE_UNINFECTED + HALFBIES),
        "halfbies_alive": run.final(HALFBIES),
        "peak_zombies": zombies.max(axis=1),
        "time_to_1000_zombies": first,
    }


JONAS_FAMILY = Family(
    "jonas",
    "The Jonas virus: fear, bites, fast and slow turning, halfbies, and the response",
    PARAMETERS,
    _jonas,
    stageable={"E": "turning", "Ef": "turning (afraid)"},
    metrics=(
        Metric("survivors", description="alive and uninfected at the end, halfbies included"),
        Metric("halfbies_alive", description="halfbies at the end"),
        Metric("peak_zombies", description="the most zombies at once"),
        Metric("time_to_1000_zombies", "time", description="when zombies first reached 1,000"),
    ),
    metric_values=jonas_metrics,
    infected=("E", "Ef", "L", "Z", "H", "Zl"),
    zombies=ZOMBIES,
    plot_groups={
        "calm": ("S",),
        "afraid": ("F",),
        "bitten, turning": ("E", "Ef", "L"),
        "zombies": ("Z", "Zl"),
        "halfbies": HALFBIES,
        "left the city": ("Out", "OutL"),
        "in camps": ("Camp", "CampI", "Iso"),
        "killed in the strike": ("KsI", "KsU"),
        "destroyed or put down": ("Dz", "Dq"),
    },
)
