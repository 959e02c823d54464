"""What each statistical series in the indicator history means (from the data README).

The seed's CSV carries values only; this catalogue gives the names, unit, direction and caveats
that the compare page and the map show beside them. A series missing here is still shown, under
its key.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from core.i18n import current_is_english


@dataclass(frozen=True)
class SeriesInfo:
    key: str
    name_ko: str
    name_en: str
    unit: str
    direction: str  # "increase" or "decrease": which way is better
    comparable_across_years: bool = True
    note: str = ""

    @property
    def name(self) -> str:
        return self.name_en if current_is_english() else self.name_ko


CATALOGUE = {
    info.key: info
    for info in [
        SeriesInfo(
            "rcostii_rank",
            "지역과학기술혁신역량지수(R-COSTII) 순위",
            "R-COSTII rank (regional S&T innovation capability)",
            "rank",
            "decrease",
            note=_(
                "Edition year; the data lag by 1–2 years. 16 regions before Sejong was included."
            ),
        ),
        SeriesInfo(
            "rcostii_score",
            "지역과학기술혁신역량지수(R-COSTII) 점수",
            "R-COSTII score",
            "points",
            "increase",
            comparable_across_years=False,
            note=_(
                "Not comparable across editions (the model and scaling changed): "
                "compare regions within one year only."
            ),
        ),
        SeriesInfo(
            "rnd_to_grdp_pct",
            "GDP 대비 연구개발비 비중",
            "R&D expenditure as % of GDP",
            "pct",
            "increase",
            note=_("National figures only so far."),
        ),
        SeriesInfo(
            "rnd_expenditure_100m_krw",
            "지역 연구개발비",
            "R&D expenditure in the region",
            "krw_100m",
            "increase",
        ),
        SeriesInfo(
            "st_grad_net_migration_2017_2021",
            "이공계 졸업생 순유입(2017–2021 누적)",
            "Net migration of S&T graduates (2017–2021, cumulative)",
            "persons",
            "increase",
            note=_("Cumulative 2017–2021, stored at 2021 (BISTEP analysis)."),
        ),
        SeriesInfo(
            "st_grad_inflow_2017_2021",
            "이공계 졸업생 유입(2017–2021 누적)",
            "Inflow of S&T graduates (2017–2021, cumulative)",
            "persons",
            "increase",
        ),
        SeriesInfo(
            "st_grad_outflow_2017_2021",
            "이공계 졸업생 유출(2017–2021 누적)",
            "Outflow of S&T graduates (2017–2021, cumulative)",
            "persons",
            "decrease",
        ),
    ]
}


def series_info(key: str) -> SeriesInfo:
    """The catalogue entry for a series, or a plain one named after its key."""
    return CATALOGUE.get(key) or SeriesInfo(key, key, key, "index", "increase")
