"""What the customer's page takes as an image: pure rules, checked by table (tests/test_customer_page.py) and by
the mutation check."""

# What an image's first bytes say it is: the only kinds taken.
IMAGE_KINDS = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))


def image_kind(data: bytes) -> str | None:
    """The media type the content itself shows (a name or a declared type proves nothing), or None."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for magic, kind in IMAGE_KINDS if data.startswith(magic)), None)


def images_refusal(sizes_and_kinds: list[tuple[int, str | None]], max_bytes: int, max_count: int) -> str | None:
    """Why these images are not taken (`images_too_many`, `image_too_large`, `image_not_image`), or None."""
    if len(sizes_and_kinds) > max_count:
        return "images_too_many"
    if any(size > max_bytes for size, _ in sizes_and_kinds):
        return "image_too_large"
    if any(kind is None for _, kind in sizes_and_kinds):
        return "image_not_image"
    return None
