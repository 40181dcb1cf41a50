"""The API's body parsers (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES): DRF's own, each
refusing with a 400 what apps.core.inputs refuses, so that every API view gets an object of
bounded depth with text it can store, whatever it does with it."""

from rest_framework import exceptions, parsers

from apps.core.inputs import (
    InputRefused,
    check_form_values,
    parse_json_object,
)


def _refused(exc: InputRefused) -> exceptions.ParseError:
    return exceptions.ParseError(str(exc), code=exc.code)


class JSONObjectParser(parsers.JSONParser):
    """A JSON object, at most MAX_JSON_DEPTH deep; anything else is a 400 `{detail, code}`."""

    def parse(self, stream, media_type=None, parser_context=None):
        # DRF hands JSON parsers the body already read (and sized by Django's
        # DATA_UPLOAD_MAX_MEMORY_SIZE, see apps.core.middleware.InputGuardMiddleware).
        try:
            return parse_json_object(stream.read())
        except InputRefused as exc:
            raise _refused(exc) from exc


class CheckedFormParser(parsers.FormParser):
    """Form bodies of PUT and PATCH, which Django's request.POST (checked by the
    middleware) never sees."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        try:
            check_form_values(data, where="the form")
        except InputRefused as exc:
            raise _refused(exc) from exc
        return data


class CheckedMultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        try:
            check_form_values(result.data, where="the form")
        except InputRefused as exc:
            raise _refused(exc) from exc
        return result
