"""The fixture checker's options and regions: each option checked on its own, so one
FixtureError can list every bad option (see :mod:`rekostub._fixtures.parser`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from rekostub._common.errors import FixtureError
from rekostub._fixtures.faces import _FaceChecker
from rekostub._fixtures.specs import DEFAULT_ACCOUNT_ID, DEFAULT_REGION
from rekostub._fixtures.text import PathPart, _is_finite_number, _kind, _show

__all__ = ["_OptionsChecker"]

_OPTION_KEYS = frozenset(
    {"updating_seconds", "account_id", "undescribed_images", "images_outside_folder"}
)
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]{1,2}").fullmatch
_UNDESCRIBED_IMAGES = ("no_faces", "error", "derive")  # rekostub._images.seen policies
_ACCOUNT_ID = re.compile(r"[0-9]{12}").fullmatch


class _OptionsChecker(_FaceChecker):
    """The options section and region names; the faces are :class:`_FaceChecker`'s."""

    __slots__ = ()

    def options(self, raw: object) -> dict[str, Any]:
        """The options with their defaults; each bad option is noted (its default is kept)."""
        out: dict[str, Any] = {
            "updating_seconds": 0.0,
            "account_id": DEFAULT_ACCOUNT_ID,
            "undescribed_images": "no_faces",
        }
        if raw is None:
            return out
        try:
            if not isinstance(raw, Mapping):
                self.need_mapping(raw, "options", "options")
        except FixtureError as exc:
            self.note(exc)
            return out
        if not raw.keys() <= _OPTION_KEYS:
            try:
                self.unknown_key(raw, _OPTION_KEYS, "options")
            except FixtureError as exc:
                self.note(exc)
        for name, check in (
            ("updating_seconds", self.updating_seconds),
            ("account_id", self.account_id),
            ("undescribed_images", self.undescribed_images),
            ("images_outside_folder", self.images_outside_folder),
        ):
            value = raw.get(name)
            if value is None:
                continue
            try:
                out[name] = check(value)
            except FixtureError as exc:
                self.note(exc)
        if not out.get("images_outside_folder"):
            out.pop("images_outside_folder", None)  # present only when true
        return out

    def updating_seconds(self, seconds: object) -> float:
        if _is_finite_number(seconds) and seconds >= 0:  # type: ignore[operator]
            return float(seconds)  # type: ignore[arg-type]
        self.fail(
            f"{_show(seconds)} is not a number of seconds >= 0 (how long a user reads "
            f"UPDATING after AssociateFaces/DisassociateFaces; 0 = ACTIVE at once)",
            "options",
            "updating_seconds",
        )

    def account_id(self, account: object) -> str:
        if not isinstance(account, str):
            self.fail(
                f"{_show(account)} is {_kind(account)}: write the account id as a string of "
                f'12 digits in quotes, like "{DEFAULT_ACCOUNT_ID}"',
                "options",
                "account_id",
            )
        if not _ACCOUNT_ID(account):
            self.fail(
                f"{_show(account)} is not an AWS account id: use exactly 12 digits, "
                f'like "{DEFAULT_ACCOUNT_ID}"',
                "options",
                "account_id",
            )
        return account

    def undescribed_images(self, undescribed: object) -> str:
        if not isinstance(undescribed, str) or undescribed not in _UNDESCRIBED_IMAGES:
            self.fail(
                f"{_show(undescribed)} is not one of {', '.join(map(repr, _UNDESCRIBED_IMAGES))} "
                f"(what an image shows that neither the images section nor face codes describe)",
                "options",
                "undescribed_images",
            )
        return undescribed

    def images_outside_folder(self, outside: object) -> bool:
        if not isinstance(outside, bool):
            self.fail(
                f"{_show(outside)} is not true or false (may the images section name files "
                f"outside the fixture file's folder?)",
                "options",
                "images_outside_folder",
            )
        return outside

    def region(self, raw: object, default: str, *parts: PathPart) -> str:
        if raw is None:
            return default
        if not isinstance(raw, str) or not _REGION(raw):
            self.fail(
                f'{_show(raw)} is not an AWS region name like "{DEFAULT_REGION}" or '
                f'"eu-west-1" (the region whose clients see the collection)',
                *parts,
            )
        return raw

    # -- one collection ----------------------------------------------------------------------
