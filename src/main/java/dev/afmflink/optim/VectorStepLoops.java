package dev.afmflink.optim;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** {@link StepLoops} on the Vector API; the tail runs the scalar loop. Same bits as {@link ScalarStepLoops}. */
final class VectorStepLoops implements StepLoops {
    private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    @Override
    public void adagrad(double[] params, int pOff, double[] slots, int sOff, double[] grad, int gOff, int n, double lr, double rho) {
        int c = 0;
        for (; c + L <= n; c += L) {
            DoubleVector g = DoubleVector.fromArray(S, grad, gOff + c);
            DoubleVector acc = DoubleVector.fromArray(S, slots, sOff + c).mul(rho).add(g.mul(g));
            acc.intoArray(slots, sOff + c);
            DoubleVector v = DoubleVector.fromArray(S, params, pOff + c).sub(g.mul(lr).div(acc.sqrt()));
            flush(v).intoArray(params, pOff + c);
        }
        ScalarStepLoops.INSTANCE.adagrad(params, pOff + c, slots, sOff + c, grad, gOff + c, n - c, lr, rho);
    }

    @Override
    public void ftrl(double[] params, int pOff, double[] slots, int sOff, double[] grad, int gOff, int count,
                     double alpha, double beta, double l1, double l2, double rho) {
        int c = 0;
        for (; c + L <= count; c += L) {
            DoubleVector g = DoubleVector.fromArray(S, grad, gOff + c);
            DoubleVector z = DoubleVector.fromArray(S, slots, sOff + c).mul(rho);
            DoubleVector nOld = DoubleVector.fromArray(S, slots, sOff + count + c).mul(rho);
            DoubleVector nNew = nOld.add(g.mul(g));
            DoubleVector sqrtNew = nNew.sqrt();
            DoubleVector sigma = sqrtNew.sub(nOld.sqrt()).div(alpha);
            z = z.add(g.sub(sigma.mul(DoubleVector.fromArray(S, params, pOff + c))));
            z.intoArray(slots, sOff + c);
            nNew.intoArray(slots, sOff + count + c);
            DoubleVector sl1 = DoubleVector.broadcast(S, l1).blend(-l1, z.lt(0.0));
            DoubleVector denom = sqrtNew.add(beta).div(alpha).add(l2);
            DoubleVector theta = flush(z.sub(sl1).neg().div(denom));
            VectorMask<Double> inside = z.abs().compare(VectorOperators.LE, l1);
            theta.blend(0.0, inside).intoArray(params, pOff + c);
        }
        ScalarStepLoops.ftrlRange(params, pOff, slots, sOff, sOff + count, grad, gOff, c, count, alpha, beta, l1, l2, rho);
    }

    private static DoubleVector flush(DoubleVector v) {
        return v.blend(0.0, v.abs().lt(Optimizer.FLUSH_BELOW));
    }
}
