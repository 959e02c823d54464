from rest_framework import viewsets

from regions.models import Region
from regions.serializers import RegionSerializer


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """The 17 metropolitan and provincial governments (시·도), in standard order."""

    queryset = Region.objects.all()
    serializer_class = RegionSerializer
    lookup_field = "code"
    filter_backends = []
