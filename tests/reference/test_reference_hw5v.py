"""hw5v question 2: the Keras references against torch models, closed forms and autograd.

Receptive fields are measured independently as the support of the gradient of one output
pixel with respect to the input (all-positive weights, so no term cancels); parameter counts
against torch's numel and against k*k*in*out + out.
"""
import pytest
import torch
from torch import nn

from reference.hw5v import ex2_blocks, ex2_local, receptive


def _rows(t: dict) -> dict:
    return {row[0]: dict(zip(t["columns"], row)) for row in t["rows"]}


def _support(model: nn.Module, channels: int, size: int) -> tuple[int, int]:
    """Height and width of the input region that the centre output pixel depends on."""
    x = torch.ones(1, channels, size, size, dtype=torch.float64, requires_grad=True)
    out = model(x)
    out[0, :, out.shape[2] // 2, out.shape[3] // 2].sum().backward()
    rows, cols = torch.nonzero(x.grad[0].abs().sum(0)).unbind(1)
    return int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1)


def _count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def _positive(module: nn.Module) -> nn.Module:
    for p in module.parameters():
        nn.init.uniform_(p, 0.1, 1.0)
    return module.double()


class Blocks(nn.Module):
    """The block network in torch: same graph as ex2_blocks.BLOCKS, padding k // 2 for 'same'."""

    def __init__(self, in_channels: int, until: str):
        super().__init__()
        self.until = until
        width = {"input": in_channels}
        self.convs = nn.ModuleDict()
        for name, (_, k, filters, parents) in ex2_blocks.BLOCKS.items():
            self.convs[name] = nn.Conv2d(sum(width[p] for p in parents), filters, k, padding=k // 2)
            width[name] = filters

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = {"input": x}
        for name, (*_, parents) in ex2_blocks.BLOCKS.items():
            out[name] = self.convs[name](torch.cat([out[p] for p in parents], dim=1))
            if name == self.until:
                return out[name]
        raise KeyError(self.until)


class LocallyConnected2d(nn.Module):
    """Keras 2's LocallyConnected2D ('valid', stride 1, bias per position) via unfold."""

    def __init__(self, in_channels: int, filters: int, kernel: int, in_size: int):
        super().__init__()
        self.kernel, self.out_size = kernel, in_size - kernel + 1
        positions = self.out_size**2
        self.weight = nn.Parameter(torch.randn(positions, in_channels * kernel * kernel, filters))
        self.bias = nn.Parameter(torch.randn(positions, filters))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        patches = nn.functional.unfold(x, self.kernel).transpose(1, 2)  # (n, positions, c*k*k)
        out = torch.einsum("npc,pcf->npf", patches, self.weight) + self.bias
        return out.transpose(1, 2).reshape(x.shape[0], -1, self.out_size, self.out_size)


@pytest.fixture(scope="module")
def blocks():
    return ex2_blocks.table()


@pytest.fixture(scope="module")
def local():
    return ex2_local.table()


def test_block_counts_match_torch_and_closed_form(blocks):
    rows, torch_model = _rows(blocks), Blocks(ex2_blocks.IN_CHANNELS, "b4_1")
    for layer in (1, 2, 3, 4):
        names = [n for n, spec in ex2_blocks.BLOCKS.items() if spec[0] == layer]
        counts = [_count(torch_model.convs[n]) for n in names]
        assert counts == [rows[layer]["params_per_block"]] * len(names)
        assert sum(counts) == rows[layer]["params"]
    closed = [3 * 32 + 32] * 3 + [9 * 32 * 32 + 32] * 3 + [96 * 256 + 256]
    assert sum(closed) == ex2_blocks.total_params() == _count(torch_model) == 52960


def test_block_receptive_fields_match_gradient_support(blocks):
    rows = _rows(blocks)
    assert rows["input"]["rf"] == [1, 1]
    for layer in (1, 2, 3, 4):
        for name in (n for n, spec in ex2_blocks.BLOCKS.items() if spec[0] == layer):
            measured = _support(_positive(Blocks(ex2_blocks.IN_CHANNELS, name)), ex2_blocks.IN_CHANNELS, 15)
            assert list(measured) == rows[layer]["rf"], name
    assert [rows[layer]["rf"][0] for layer in (1, 2, 3, 4)] == [1, 3, 5, 5]


def test_local_counts_match_torch_unfold_and_conv(local):
    rows = _rows(local)
    c, size = ex2_local.IN_CHANNELS, ex2_local.SIZE
    conv1, conv2 = nn.Conv2d(c, 16, 3), nn.Conv2d(16, 32, 3)
    lc = LocallyConnected2d(16, 32, 3, size - 2)
    assert [rows["conv"]["params_1"], rows["conv"]["params_2"]] == [_count(conv1), _count(conv2)] == [448, 4640]
    assert rows["local"]["params_2"] == _count(lc) == 28 * 28 * 4640
    assert rows["local"]["params"] == _count(conv1) + _count(lc)
    assert rows["conv"]["params"] == 5088


def test_unfold_layer_is_a_convolution_when_weights_are_tied():
    conv, lc = nn.Conv2d(4, 5, 3).double(), LocallyConnected2d(4, 5, 3, 7).double()
    with torch.no_grad():
        lc.weight.copy_(conv.weight.reshape(5, -1).T.expand_as(lc.weight))
        lc.bias.copy_(conv.bias.expand_as(lc.bias))
    x = torch.randn(2, 4, 7, 7, dtype=torch.float64)
    torch.testing.assert_close(lc(x), conv(x))


def test_local_receptive_fields_match_gradient_support(local):
    rows, c = _rows(local), ex2_local.IN_CHANNELS
    conv = _positive(nn.Sequential(nn.Conv2d(c, 16, 3), nn.Conv2d(16, 32, 3)))
    lc = _positive(nn.Sequential(nn.Conv2d(c, 16, 3), LocallyConnected2d(16, 32, 3, 9)))
    assert list(_support(conv, c, 11)) == rows["conv"]["rf"] == [5, 5]
    assert list(_support(lc, c, 11)) == rows["local"]["rf"] == [5, 5]


@pytest.mark.parametrize("layers", [[(3, 1), (3, 1)], [(3, 2), (3, 1), (2, 2), (3, 1)], [(5, 2), (1, 1)]])
def test_recursion_matches_gradient_support(layers):
    field, modules, channels = receptive.INPUT, [], 2
    for k, s in layers:
        field = receptive.step(field, k, s)
        modules.append(nn.Conv2d(channels, channels, k, stride=s))
    assert _support(_positive(nn.Sequential(*modules)), channels, 41) == (field[0], field[0])


def test_merge_refuses_mismatched_jumps():
    assert receptive.merge([(3, 1), (5, 1)]) == (5, 1)
    with pytest.raises(ValueError):
        receptive.merge([(3, 1), (3, 2)])


def test_asked_cells(blocks, local):
    assert len(blocks["ask"]) == 13 and [0, "rf"] in blocks["ask"]
    assert len(local["ask"]) == 8
