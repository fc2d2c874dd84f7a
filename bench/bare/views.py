import json
import secrets

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from bench.bare.models import BareRow


@csrf_exempt
@require_POST
def bare_insert(request: HttpRequest) -> JsonResponse:
    """Parse the same JSON body and insert one row: the floor any intake can reach."""
    body = json.loads(request.body)
    row = BareRow.objects.create(
        receipt_hash=secrets.token_hex(32),
        receipt_valid_until=timezone.now(),
        text=body["text"],
        channel="api",
        visibility="public",
    )
    return JsonResponse({"id": row.pk}, status=201)
