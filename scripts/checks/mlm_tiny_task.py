#!/usr/bin/env python3
# The masked-LM task of tests/train/encoder_pretrain_test.cpp (one 11-word sentence repeated; every masked
# word follows from its neighbours) in PyTorch eager with the same shape of model, masking and optimizer:
# how far a post-LN encoder of a given size gets in a given number of steps, which sets what the C++ test
# may demand. Prints the mean loss of the last 40 steps (uniform guess: ln 12 = 2.48 nats).
# Usage: python3 scripts/checks/mlm_tiny_task.py WIDTH LAYERS STEPS LR SEED
# (2026-11-30, dev-2c: "64 2 300 2e-3 S" for S = 1..5 gave 0.64, 0.59, 0.26, 0.63, 0.20;
#  "16 1 200 1e-2 0" gave ~1.9-2.2.) Needs python3-torch (scripts/install-deps.sh --bench).
import random
import sys

import torch
torch.manual_seed(int(sys.argv[5])); random.seed(int(sys.argv[5]))
words = list(range(11)); SEP=11; MASK=12; V=13
stream = (words+[SEP])*3
T=16; W=T-2; B=8; C=int(sys.argv[1]); L=int(sys.argv[2]); steps=int(sys.argv[3]); lr=float(sys.argv[4])
class M(torch.nn.Module):
    def __init__(s):
        super().__init__()
        s.emb=torch.nn.Embedding(V+2,C); s.pos=torch.nn.Embedding(T,C); s.ln=torch.nn.LayerNorm(C)
        s.enc=torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(C,2,2*C,0.0,activation='gelu',batch_first=True),L)
        s.d=torch.nn.Linear(C,C); s.l2=torch.nn.LayerNorm(C); s.b=torch.nn.Parameter(torch.zeros(V+2))
    def forward(s,x):
        h=s.ln(s.emb(x)+s.pos.weight[:x.shape[1]]); h=s.enc(h)
        return s.l2(torch.nn.functional.gelu(s.d(h)))@s.emb.weight.T+s.b
m=M(); opt=torch.optim.AdamW(m.parameters(),lr=lr,betas=(0.9,0.98),weight_decay=0.01)
sched=torch.optim.lr_scheduler.LambdaLR(opt,lambda s: min((s+1)/5,max(0,(steps-s)/(steps-5))))
for step in range(steps):
    ids=[]
    for b in range(B):
        s=random.randint(0,len(stream)-W); ids.append([SEP+3]+stream[s:s+W]+[SEP+2])
    x=torch.tensor(ids); tgt=torch.full_like(x,-100)
    for b in range(B):
        for t in range(1,T-1):
            if random.random()<0.15:
                tgt[b,t]=x[b,t]; u=random.random()
                if u<0.8: x[b,t]=MASK
                elif u<0.9: x[b,t]=random.randint(0,11)
    if (tgt!=-100).sum()==0: continue
    logits=m(x)[:, :, :12]
    loss=torch.nn.functional.cross_entropy(logits.reshape(-1,12),tgt.reshape(-1))
    opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(m.parameters(),1.0); opt.step(); sched.step()
    hist=globals().setdefault("hist",[]); hist.append(loss.item())
    if step==steps-1: print(step, round(sum(hist[-40:])/40,3))
