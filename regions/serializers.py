from rest_framework import serializers

from regions.models import Region


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name_ko", "name_en", "short_ko", "short_en"]
