"""The CIFAR-10 pre-processing decision of benchmarks/README.md step 16, recomputed from the committed CSVs.

Run from benchmarks/results:  /usr/bin/python3 ../cifar-folds.py
Prints, per validation fold, the mean AUROC over the ten classes at equal weights (W = 1) for GCN-l1 + min-max and
for the two views side by side (fold 0: seeds 1-3; folds 1-3: seed 1) and their difference, then GCN's mean over
the folds for every reconstruction weight W (fold 0: seeds 2 and 3, the runs that re-scored W).
"""
import csv,glob,os
from collections import defaultdict
fold0=[os.path.basename(l) for l in open('cifar10-validation.md').readlines()[2].replace('`','').replace(',',' ').split() if l.endswith('.csv')]
def load(files):
    d=defaultdict(lambda: defaultdict(dict))
    for f in files:
        for r in csv.DictReader(open(f)):
            d[r['method']][int(r['seed'])][int(r['normal_class'])]=float(r['auroc'])
    return d
G='IAE_LSTM_KL@norm=GCN_L1_MIN_MAX;score=COMBINED;kl=0.01'
T='IAE_LSTM_KL@norm=GCN_L1_AND_GLOBAL_MIN_MAX;score=COMBINED;kl=0.01'
folds={'0':load(fold0),'1':load(glob.glob('cifar-val-fold1-*-java.csv')),'2':load(glob.glob('cifar-val-fold2-*-java.csv')),'3':load(glob.glob('cifar-val-fold3-*-java.csv'))}
def m10(cl): assert len(cl)==10; return sum(cl.values())/10
def w1(f, base):
    d=folds[f]
    if f=='0':
        vals=[m10(d[base][1]), m10(d[base][2]), m10(d[base+';wrec=1'][3])]
        return sum(vals)/3
    return m10(d[base+';wrec=1'][1])
print("W=1 per fold (GCN, two views, diff):")
diffs=[]
for f in '0123':
    g,t=w1(f,G),w1(f,T); diffs.append(g-t); print(f, round(g,5), round(t,5), round(g-t,5))
print("mean diff over folds:", round(sum(diffs)/4,5), " rule: switch iff > 0.003")
print("GCN W sweep (fold 0 = mean seeds 2,3):")
res={}
for w in ['0','0.25','0.5','1','2','4','inf']:
    vals=[]
    for f in '0123':
        d=folds[f]; key=G+';wrec='+w
        if f=='0': vals.append((m10(d[key][2])+m10(d[key][3]))/2)
        else: vals.append(m10(d[key][1]))
    res[w]=sum(vals)/4
    print(w, [round(v,4) for v in vals], round(res[w],5))
