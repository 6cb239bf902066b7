"""Loading the network's KZG parameters file and the insecure development setup (spec section 3)."""
from __future__ import annotations

import pytest

from accel.kzg import dev_parameters, dev_tau, g1, load_parameters
from accel.kzg.constants import G1_GENERATOR, NETWORK_G1_POWERS, NETWORK_G2_POWERS, R
from accel.kzg.library import ark


def test_network_file_has_the_published_layout(network_parameters):
    assert network_parameters.num_g1 == NETWORK_G1_POWERS
    assert len(network_parameters.g2_powers) == NETWORK_G2_POWERS
    assert network_parameters.insecure_tau is None
    # [tau]G1 and [tau]G2 come from the same tau: e(G1[1], G2[0]) == e(G1[0], G2[1]).
    g1_0 = ark.G1Point.from_compressed_bytes(network_parameters.g1_powers[:48])
    g1_1 = ark.G1Point.from_compressed_bytes(network_parameters.g1_powers[48:96])
    assert ark.GT.pairing_check([g1_1, -g1_0], [network_parameters.g2_point(0), network_parameters.g2_point(1)])


def test_file_of_the_wrong_size_is_refused(network_parameters_path, tmp_path):
    bad = tmp_path / "short.bin"
    bad.write_bytes(network_parameters_path.read_bytes()[:-1])
    with pytest.raises(ValueError, match="size 1579103 bytes, expected 1579104"):
        load_parameters(bad)


def test_file_with_a_wrong_checksum_is_refused(network_parameters_path, tmp_path):
    data = bytearray(network_parameters_path.read_bytes())
    data[1000] ^= 1
    bad = tmp_path / "flipped.bin"
    bad.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="sha256 checksum"):
        load_parameters(bad)


def test_bad_g2_power_is_refused_when_checksum_is_not_pinned(network_parameters_path, tmp_path):
    data = bytearray(network_parameters_path.read_bytes())
    split = NETWORK_G1_POWERS * 48
    data[split + 96] &= 0x7F  # G2 power 1 loses its compression flag
    bad = tmp_path / "bad_g2.bin"
    bad.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="G2 power 1: compression flag"):
        load_parameters(bad, sha256=None)


def test_dev_parameters_are_labelled_insecure_and_are_powers_of_the_public_tau():
    params = dev_parameters(4)
    assert "INSECURE" in params.description and params.insecure_tau == dev_tau()
    points = [g1.decode(p) for p in params.g1_points()]
    assert points[0] == G1_GENERATOR
    assert points[3] == g1.mul(G1_GENERATOR, pow(dev_tau(), 3, R))
    assert dev_parameters(4).g1_powers == params.g1_powers


def test_dev_parameters_need_a_positive_size():
    with pytest.raises(ValueError, match="positive integer"):
        dev_parameters(0)
