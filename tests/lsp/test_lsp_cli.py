"""``neural-hpo lsp --tcp`` accepts loopback addresses only."""

from __future__ import annotations

import pytest

from neural_hpo.cli.lsp import loopback_address


def test_loopback_addresses_accepted() -> None:
    assert loopback_address("127.0.0.1:2087") == ("127.0.0.1", 2087)
    assert loopback_address("[::1]:2087") == ("::1", 2087)
    assert loopback_address("localhost:9000")[1] == 9000


@pytest.mark.parametrize(
    "text", ["0.0.0.0:2087", "8.8.8.8:2087", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:x"]
)
def test_other_addresses_refused(text: str) -> None:
    with pytest.raises(ValueError):
        loopback_address(text)
