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
from jonas.spec.scenario import TransitionSpec

CITY = ("S", "F", "E", "Ef", "L", "Z", "H")
ELSEWHERE = ("Zl", "Out", "OutL", "Camp", "CampI", "Iso", "Hc", "Hq", "Dz", "Dq")
ALIVE_UNINFECTED = ("S", "F", "Out", "Camp")
#: Hg (halfbies gathered apart) and the variant's Ev/Zv exist only with season 2's options
HALFBIES = ("H", "Hc", "Hq", "Hg")
ZOMBIES = ("Z", "Zl", "Zv")
#: the infected who are still to turn, wherever they are
STILL_TURNING = ("E", "Ef", "L", "Ev", "OutL", "CampI")

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


#: season 2's rules, each switched on by giving its parameters (docs/season2.md): the
#: first names the option, the others come with it
OPTIONS: dict[str, tuple[str, ...]] = {
    "protect": ("protect",),
    "hunt": ("hunt",),
    "gather": ("gather",),
    "starve": ("starve",),
    "mutate": ("mutate", "turn_variant", "p_halfbie_variant"),
}


def _season2(options: frozenset[str]) -> Structure:
    """What season 2's options add to the family: halfbies as a faction (they protect
    people, are hunted, gather apart), zombies that starve without prey, and a variant
    of the virus with its own bitten (Ev) and zombies (Zv)."""
    freq = "frequency"
    variant = "mutate" in options
    zombies = ("Z", "Zv") if variant else ("Z",)
    city: list[str] = []
    elsewhere: list[str] = []
    moves: list[TransitionSpec] = []
    if "gather" in options:
        # halfbies who find each other keep apart from people: no bites, no protection,
        # no hunting; they meet as any two people do (frequency-dependent)
        elsewhere.append("Hg")
        moves += [
            t("H", "Hg", "gather", by="H", mixing=freq, name="halfbies gather"),
            t("H", "Hg", "gather", by="Hg", mixing=freq, name="halfbies join a group"),
        ]
    if "hunt" in options:
        elsewhere.append("Dh")
        moves += [
            t("H", "Dh", "hunt", by="S", mixing=freq, name="halfbie hunted"),
            t(
                "H",
                "Dh",
                "hunt * fight_afraid",
                by="F",
                mixing=freq,
                name="halfbie hunted (afraid)",
            ),
        ]
    if "protect" in options:
        moves += [
            t(z, "Dz", "protect", by="H", mixing=freq, name=f"{z} destroyed by a halfbie")
            for z in zombies
        ]
    if "starve" in options:
        elsewhere.append("Ds")
        # a zombie meets prey in the share (S + F) / N of its encounters and starves at
        # `starve` in the others: those with the zombies and halfbies (the few bitten,
        # who turn within minutes, are left out)
        moves += [
            t(z, "Ds", "starve", by=other, mixing=freq, name=f"{z} starving")
            for z in zombies
            for other in (*zombies, "H")
        ]
    if variant:
        city += ["Ev", "Zv"]
        turned = {"Zv": "1 - p_halfbie_variant", "H": "p_halfbie_variant"}
        moves += [
            t("Z", "Zv", "mutate", name="the virus mutates"),
            t("S", "F", "phi_see", by="Zv", mixing=freq, name="fear from variant zombies"),
            t("S", "Ev", "beta", by="Zv", mixing=freq, name="variant bite"),
            t("F", "Ev", "beta * hide_afraid", by="Zv", mixing=freq, name="variant bite (afraid)"),
            t("Zv", "Dz", "alpha * beta", by="S", mixing=freq, name="variant zombie destroyed"),
            t(
                "Zv",
                "Dz",
                "alpha * beta * fight_afraid",
                by="F",
                mixing=freq,
                name="variant zombie destroyed (afraid)",
            ),
            t("Ev", turned, "1 / turn_variant", name="variant turning"),
        ]
    return Structure(tuple(city + elsewhere), tuple(moves), tuple(city))


def jonas_metrics(run: RunView) -> dict[str, np.ndarray]:
    """Who is left (survivors, humans, halfbies, zombies), whether the outbreak is over,
    the zombie peak and when zombies first reached 1,000; with season 2's options, what
    they add (``OPTION_METRICS``)."""
    zombies = run.total(ZOMBIES)
    reached = zombies >= 1000
    first = np.where(reached.any(axis=1), run.times[reached.argmax(axis=1)], np.nan)
    # the outbreak is over from the first output after which nobody is a zombie or turning
    going = (zombies + run.total(STILL_TURNING)) > 0
    last = going.shape[1] - 1 - going[:, ::-1].argmax(axis=1)
    ended = run.times[np.minimum(last + 1, going.shape[1] - 1)]
    ended = np.where(going.any(axis=1), ended, run.times[0])  # (no outbreak at all)
    over = np.where(going[:, -1], np.nan, ended)
    out = {
        "survivors": run.final(ALIVE_UNINFECTED + HALFBIES),
        "humans_alive": run.final(ALIVE_UNINFECTED),
        "halfbies_alive": run.final(HALFBIES),
        "zombies_left": run.final(ZOMBIES),
        "outbreak_over": (~going[:, -1]).astype(float),
        "time_outbreak_over": over,
        "peak_zombies": zombies.max(axis=1),
        "time_to_1000_zombies": first,
    }
    have = set(run.compartments)
    if "Zv" in have:
        variant = run.total(("Zv",))
        seen = variant > 0
        out["time_to_variant"] = np.where(seen.any(axis=1), run.times[seen.argmax(axis=1)], np.nan)
        out["peak_variant_zombies"] = variant.max(axis=1)
    if "Dh" in have:
        out["halfbies_hunted"] = run.final(("Dh",))
    if "Ds" in have:
        out["zombies_starved"] = run.final(("Ds",))
    return out


OPTION_METRICS: dict[str, tuple[Metric, ...]] = {
    "mutate": (
        Metric("time_to_variant", "time", description="when the first variant zombie appeared"),
        Metric("peak_variant_zombies", description="the most variant zombies at once"),
    ),
    "hunt": (Metric("halfbies_hunted", description="halfbies killed by people"),),
    "starve": (Metric("zombies_starved", description="zombies that starved without prey"),),
}


JONAS_FAMILY = Family(
    "jonas",
    "The Jonas virus: fear, bites, fast and slow turning, halfbies, and the response",
    PARAMETERS,
    _jonas,
    stageable={"E": "turning", "Ef": "turning (afraid)"},
    metrics=(
        Metric("survivors", description="alive and uninfected at the end, halfbies included"),
        Metric("humans_alive", description="humans alive and uninfected at the end"),
        Metric("halfbies_alive", description="halfbies at the end"),
        Metric("zombies_left", description="zombies at the end"),
        Metric("outbreak_over", "(1 = yes)", "no zombie and nobody turning left at the end"),
        Metric("time_outbreak_over", "time", description="when the last zombie was gone"),
        Metric("peak_zombies", description="the most zombies at once"),
        Metric("time_to_1000_zombies", "time", description="when zombies first reached 1,000"),
    ),
    metric_values=jonas_metrics,
    infected=("E", "Ef", "L", "Z", "H", "Zl", "Ev", "Zv"),
    zombies=ZOMBIES,
    # infinite unless halfbies can leave (season 2's hunt): each run says so, and why
    reports_r0=True,
    plot_groups={
        "calm": ("S",),
        "afraid": ("F",),
        "bitten, turning": ("E", "Ef", "L", "Ev"),
        "zombies": ("Z", "Zl"),
        "variant zombies": ("Zv",),
        "halfbies": HALFBIES,
        "left the city": ("Out", "OutL"),
        "in camps": ("Camp", "CampI", "Iso"),
        "killed in the strike": ("KsI", "KsU"),
        "destroyed or put down": ("Dz", "Dq"),
        "starved": ("Ds",),
        "halfbies killed or taken": ("Dh", "Lab"),
    },
    options=OPTIONS,
    extend=_season2,
    option_metrics=OPTION_METRICS,
)
