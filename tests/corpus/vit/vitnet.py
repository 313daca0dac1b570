import torch
import torch.nn as nn

from vit.util import img_to_patch


class AttentionBlock(nn.Module):
    def __init__(self, embed_dim, hidden_dim, num_heads, dropout=0.0):
        """
        embed_dim - size of the token vectors
        hidden_dim - size of the hidden layer of the feed-forward part
        num_heads - heads of the multi-head attention
        dropout - dropout prob in the feed-forward part
        """
        super().__init__()
        self.norm1 = nn.LayerNorm(embed_dim)
        self.attn = nn.MultiheadAttention(embed_dim, num_heads)
        self.norm2 = nn.LayerNorm(embed_dim)
        self.fc1 = nn.Linear(embed_dim, hidden_dim)
        self.act = nn.GELU()
        self.drop1 = nn.Dropout(dropout)
        self.fc2 = nn.Linear(hidden_dim, embed_dim)
        self.drop2 = nn.Dropout(dropout)

    def forward(self, x):
        # x is [T, B, E] (sequence first, nn.MultiheadAttention's default)
        y = self.norm1(x)
        attn_out, _ = self.attn(y, y, y)
        x = x + attn_out
        y = self.norm2(x)
        y = self.drop2(self.fc2(self.drop1(self.act(self.fc1(y)))))
        return x + y


class VisionTransformer(nn.Module):
    def __init__(self, embed_dim, hidden_dim, num_channels, num_heads, num_layers,
                 num_classes, patch_size, num_patches, dropout=0.0):
        super().__init__()
        self.patch_size = patch_size
        self.input_layer = nn.Linear(num_channels * patch_size * patch_size, embed_dim)
        self.blocks = nn.ModuleList(
            [AttentionBlock(embed_dim, hidden_dim, num_heads, dropout=dropout) for _ in range(num_layers)]
        )
        self.head = nn.Sequential(nn.LayerNorm(embed_dim), nn.Linear(embed_dim, num_classes))
        self.dropout = nn.Dropout(dropout)
        self.cls_token = nn.Parameter(torch.randn(1, 1, embed_dim))
        self.pos_embedding = nn.Parameter(torch.randn(1, 1 + num_patches, embed_dim))

    def forward(self, img):
        tokens = self.input_layer(img_to_patch(img, self.patch_size))
        B, T, E = tokens.shape
        cls = self.cls_token.expand(B, -1, -1)
        tokens = torch.cat((cls, tokens), dim=1)
        tokens = tokens + self.pos_embedding[:, :T + 1]
        tokens = self.dropout(tokens)
        tokens = tokens.transpose(0, 1)   # -> [T+1, B, E] for the blocks
        for block in self.blocks:
            tokens = block(tokens)
        return self.head(tokens[0])
