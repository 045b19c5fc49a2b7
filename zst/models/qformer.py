"""Q-Formers: map a variable number of speech frames to a fixed set of ``q`` query embeddings.

ZeroST §3 "Q-Formers" compares three:

* :class:`QSimple` — no transformer layers: ``Q = softmax(W Kᵀ) V`` with learnable queries
  ``W (q, d)``, ``K = V`` the (projected) speech-encoder output.
* :class:`QTransformer` as **Q-Lite** — a 4-layer bidirectional transformer decoder, d=768,
  4 heads, FFN 3072 (:func:`q_lite`).
* :class:`QTransformer` as **Q-NLLB** — the NLLB decoder's architecture with bidirectional
  self-attention, self-attention initialised from the NLLB encoder (:func:`q_nllb`).

Every Q-Former takes speech states ``(B, T, d_in)`` with a mask ``(B, T)`` (``True`` = real frame)
and returns ``(B, q, d_out)`` where ``d_out`` is the NLLB width, so its output can stand in for
the NLLB encoder's states. Layers are pre-LayerNorm like NLLB and use NLLB's parameter names
(``self_attn.q_proj``, ``encoder_attn``, ``fc1``, ...), so NLLB weights copy over by name.
"""

from __future__ import annotations


import torch
from torch import nn
from torch.nn import functional as F

from zst.models.adapters import HoulsbyAdapter

_ACT = {"relu": F.relu, "gelu": F.gelu, "silu": F.silu, "swish": F.silu}


class Attention(nn.Module):
    """Multi-head attention (no causal mask) with NLLB's projection names.

    Shapes: ``x (B, N, d)``, ``kv (B, M, d)``, ``kv_mask (B, M)`` bool ``True`` = attend.
    """

    def __init__(self, dim: int, heads: int, dropout: float = 0.0):
        super().__init__()
        if dim % heads:
            raise ValueError(f"width {dim} is not divisible by {heads} heads")
        self.heads = heads
        self.dropout = dropout
        self.q_proj = nn.Linear(dim, dim)
        self.k_proj = nn.Linear(dim, dim)
        self.v_proj = nn.Linear(dim, dim)
        self.out_proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor, kv: torch.Tensor, kv_mask: torch.Tensor | None = None) -> torch.Tensor:
        B, N, d = x.shape
        h = self.heads

        def split(t):
            return t.view(B, -1, h, d // h).transpose(1, 2)

        q, k, v = split(self.q_proj(x)), split(self.k_proj(kv)), split(self.v_proj(kv))
        mask = kv_mask[:, None, None, :] if kv_mask is not None else None
        o = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=self.dropout if self.training else 0.0)
        return self.out_proj(o.transpose(1, 2).reshape(B, N, d))


class QFormerLayer(nn.Module):
    """Pre-LN bidirectional decoder layer: self-attention, cross-attention to speech, FFN.

    Optional Houlsby adapters (added by :meth:`add_adapters`) sit on the self-attention and FFN
    outputs before their residual sums (ZeroST §2.2, NLL step).
    """

    def __init__(self, dim: int, heads: int, ffn: int, activation: str = "relu", dropout: float = 0.1):
        super().__init__()
        self.self_attn = Attention(dim, heads)
        self.self_attn_layer_norm = nn.LayerNorm(dim)
        self.encoder_attn = Attention(dim, heads)
        self.encoder_attn_layer_norm = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, ffn)
        self.fc2 = nn.Linear(ffn, dim)
        self.final_layer_norm = nn.LayerNorm(dim)
        self.act = _ACT[activation]
        self.dropout = dropout
        self.attn_adapter: nn.Module = nn.Identity()
        self.ffn_adapter: nn.Module = nn.Identity()

    def add_adapters(self, bottleneck: int) -> None:
        dim = self.fc2.out_features
        self.attn_adapter = HoulsbyAdapter(dim, bottleneck).to(self.fc2.weight.device)
        self.ffn_adapter = HoulsbyAdapter(dim, bottleneck).to(self.fc2.weight.device)

    def forward(self, x: torch.Tensor, speech: torch.Tensor, speech_mask: torch.Tensor) -> torch.Tensor:
        drop = lambda t: F.dropout(t, self.dropout, self.training)  # noqa: E731
        h = self.self_attn_layer_norm(x)
        x = x + drop(self.attn_adapter(self.self_attn(h, h)))
        h = self.encoder_attn_layer_norm(x)
        x = x + drop(self.encoder_attn(h, speech, speech_mask))
        h = self.final_layer_norm(x)
        x = x + drop(self.ffn_adapter(self.fc2(self.act(self.fc1(h)))))
        return x


class QSimple(nn.Module):
    """``Q = softmax(W Kᵀ) V`` with ``V = K`` (ZeroST §3, Q-Simple); no transformer layers.

    Args:
        num_queries: ``q``.
        dim: width ``d`` of the speech states (already projected to the NLLB width).

    Shapes: ``speech (B, T, d)``, ``mask (B, T)`` → ``(B, q, d)``.
    """

    def __init__(self, num_queries: int, dim: int):
        super().__init__()
        self.queries = nn.Parameter(torch.randn(num_queries, dim) * 0.02)
        self.in_dim = self.out_dim = dim
        self.out_adapter: nn.Module = nn.Identity()

    def add_adapters(self, bottleneck: int) -> None:
        """Q-Simple has no layers; the NLL step adapts its output with one adapter."""
        self.out_adapter = HoulsbyAdapter(self.out_dim, bottleneck).to(self.queries.device)

    def forward(self, speech: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        scores = torch.einsum("qd,btd->bqt", self.queries.to(speech.dtype), speech)
        scores = scores.masked_fill(~mask[:, None, :], torch.finfo(scores.dtype).min)
        return self.out_adapter(torch.softmax(scores, dim=-1) @ speech)


class QTransformer(nn.Module):
    """Learnable queries through bidirectional decoder layers cross-attending to speech.

    Args:
        num_queries: ``q``.
        dim, layers, heads, ffn, activation: layer shape.
        out_dim: output width (the NLLB width); a linear map is added when it differs from ``dim``.

    Shapes: ``speech (B, T, dim)``, ``mask (B, T)`` → ``(B, q, out_dim)``. A final LayerNorm
    mirrors the NLLB encoder's, whose output the Q-Former imitates.
    """

    def __init__(self, num_queries: int, dim: int, layers: int, heads: int, ffn: int, out_dim: int,
                 activation: str = "relu", dropout: float = 0.1):
        super().__init__()
        self.queries = nn.Parameter(torch.randn(num_queries, dim) * 0.02)
        self.layers = nn.ModuleList(QFormerLayer(dim, heads, ffn, activation, dropout) for _ in range(layers))
        self.layer_norm = nn.LayerNorm(dim)
        self.out = nn.Linear(dim, out_dim) if out_dim != dim else nn.Identity()
        self.in_dim, self.out_dim = dim, out_dim

    def add_adapters(self, bottleneck: int) -> None:
        for layer in self.layers:
            layer.add_adapters(bottleneck)

    def forward(self, speech: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = self.queries.to(speech.dtype).unsqueeze(0).expand(speech.shape[0], -1, -1)
        for layer in self.layers:
            x = layer(x, speech, mask)
        return self.out(self.layer_norm(x))


def q_lite(num_queries: int, out_dim: int, dim: int = 768, layers: int = 4, heads: int = 4, ffn: int = 3072) -> QTransformer:
    """Q-Lite (ZeroST §3): 4 bidirectional decoder layers, d=768, 4 heads, FFN 3072."""
    return QTransformer(num_queries, dim, layers, heads, ffn, out_dim, activation="gelu")


def q_nllb(num_queries: int, nllb_config) -> QTransformer:
    """Q-NLLB (ZeroST §3): the NLLB decoder's shape (layers, width, heads, FFN, activation) with
    bidirectional self-attention. Weights are random until :func:`init_from_nllb`.

    Args:
        nllb_config: an ``M2M100Config``.
    """
    c = nllb_config
    return QTransformer(num_queries, c.d_model, c.decoder_layers, c.decoder_attention_heads, c.decoder_ffn_dim,
                        c.d_model, activation=c.activation_function, dropout=c.dropout)


def init_from_nllb(qf: QTransformer, nllb) -> None:
    """Initialise a :func:`q_nllb` Q-Former from NLLB weights (ZeroST §3).

    Self-attention, its LayerNorm, the FFN and its LayerNorm come from NLLB *encoder* layer ``i``
    (the paper initialises self-attention from the encoder; the FFN comes along since the
    Q-Former imitates encoder outputs); cross-attention and its LayerNorm from NLLB *decoder*
    layer ``i``; the final LayerNorm from the encoder's. Queries get unit scale, like NLLB's
    ``sqrt(d)``-scaled token embeddings.

    Args:
        nllb: an ``M2M100ForConditionalGeneration`` or ``M2M100Model``.
    """
    base = nllb.model if hasattr(nllb, "model") else nllb
    enc, dec = base.encoder.layers, base.decoder.layers
    with torch.no_grad():
        for i, layer in enumerate(qf.layers):
            e = enc[i % len(enc)]
            for name in ("self_attn", "self_attn_layer_norm", "fc1", "fc2", "final_layer_norm"):
                getattr(layer, name).load_state_dict(getattr(e, name).state_dict())
            layer.encoder_attn.load_state_dict(dec[i].encoder_attn.state_dict())
            layer.encoder_attn_layer_norm.load_state_dict(dec[i].encoder_attn_layer_norm.state_dict())
        qf.layer_norm.load_state_dict(base.encoder.layer_norm.state_dict())
        qf.queries.normal_(0.0, 1.0)


def build_qformer(kind: str, num_queries: int, out_dim: int, *, nllb_config=None, lite_dim=768, lite_layers=4,
                  lite_heads=4, lite_ffn=3072) -> nn.Module:
    """Make the Q-Former named ``kind`` (``simple`` | ``lite`` | ``nllb``), randomly initialised.

    Raises:
        ValueError: unknown kind, or ``nllb`` without the NLLB config.
    """
    if kind == "simple":
        return QSimple(num_queries, out_dim)
    if kind == "lite":
        return q_lite(num_queries, out_dim, lite_dim, lite_layers, lite_heads, lite_ffn)
    if kind == "nllb":
        if nllb_config is None:
            raise ValueError("Q-NLLB needs the NLLB config")
        return q_nllb(num_queries, nllb_config)
    raise ValueError(f"unknown Q-Former '{kind}' (choose simple, lite or nllb)")
