"""The CIFAR-10 pre-processing decisions of benchmarks/README.md steps 16 and 17, recomputed from the committed CSVs.

Run from benchmarks/results:  /usr/bin/python3 ../cifar-folds.py
Prints, per validation fold, the mean AUROC over the ten classes at equal weights (W = 1) for GCN-l1 + min-max and
for the two views side by side (fold 0: seeds 1-3; folds 1-3: seed 1) and their difference, then GCN's mean over
the folds for every reconstruction weight W (fold 0: seeds 2 and 3, the runs that re-scored W).
Step 17: per fold with stop-24 runs (cifar-val24-foldK-{gcn,global,sum}), the ten-class means of the configured GCN
model, the GLOBAL_MIN_MAX model and the sum of their scores (peers.py add-scores), and the rule: the sum becomes a test
candidate iff it is ahead on every finished fold (at least two) and the mean difference exceeds 0.01.
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

print("Step 17: sum of the GCN and GLOBAL_MIN_MAX models' scores (stop-24 folds):")
sdiffs=[]
for f in '0123':
    if not os.path.exists('cifar-val24-fold%s-sum.csv'%f):
        continue
    g=load(['cifar-val24-fold%s-gcn-java.csv'%f]); l=load(['cifar-val24-fold%s-global-java.csv'%f])
    e=load(['cifar-val24-fold%s-sum.csv'%f])
    mg=m10(g['IAE_LSTM_KL'][1]); ml=m10(l['IAE_LSTM_KL@norm=GLOBAL_MIN_MAX'][1])
    me=m10(e['IAE_LSTM_KL@ensemble=GCN+GLOBAL'][1])
    sdiffs.append(me-mg); print(f, 'GCN', round(mg,4), 'GLOBAL', round(ml,4), 'sum', round(me,4), 'sum-GCN', round(me-mg,4))
if sdiffs:
    ok=all(d>0 for d in sdiffs) and sum(sdiffs)/len(sdiffs)>0.01
    print("mean sum-GCN over %d folds: %.4f; rule (ahead on every fold, >= 2 folds, mean > 0.01): %s" % (
        len(sdiffs), sum(sdiffs)/len(sdiffs),
        "needs a second fold" if len(sdiffs) < 2 else "test candidate" if ok else "not adopted"))
