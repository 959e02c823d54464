from rest_framework.routers import DefaultRouter

from indicators.api import IndicatorViewSet, ObservationViewSet, PlanViewSet, SeriesViewSet
from plans.api import BudgetViewSet
from regions.api import RegionViewSet

router = DefaultRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("plans", PlanViewSet, basename="plan")
router.register("indicators", IndicatorViewSet, basename="indicator")
router.register("observations", ObservationViewSet, basename="observation")
router.register("budgets", BudgetViewSet, basename="budget")
router.register("series", SeriesViewSet, basename="series")

urlpatterns = router.urls
