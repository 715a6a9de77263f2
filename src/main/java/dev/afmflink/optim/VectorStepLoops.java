package dev.afmflink.optim;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** {@link StepLoops} on the Vector API; the tail runs the scalar loop. Same bits as {@link ScalarStepLoops}. */
final class VectorStepLoops implements StepLoops {
    private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int LF = F.length();

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

    @Override
    public void adagrad(float[] params, int pOff, float[] slots, int sOff, float[] grad, int gOff, int n, float lr, float rho) {
        int c = 0;
        for (; c + LF <= n; c += LF) {
            FloatVector g = FloatVector.fromArray(F, grad, gOff + c);
            FloatVector acc = FloatVector.fromArray(F, slots, sOff + c).mul(rho).add(g.mul(g));
            acc.intoArray(slots, sOff + c);
            FloatVector v = FloatVector.fromArray(F, params, pOff + c).sub(g.mul(lr).div(acc.sqrt()));
            flush(v).intoArray(params, pOff + c);
        }
        ScalarStepLoops.INSTANCE.adagrad(params, pOff + c, slots, sOff + c, grad, gOff + c, n - c, lr, rho);
    }

    @Override
    public void ftrl(float[] params, int pOff, float[] slots, int sOff, float[] grad, int gOff, int count,
                     float alpha, float beta, float l1, float l2, float rho) {
        int c = 0;
        for (; c + LF <= count; c += LF) {
            FloatVector g = FloatVector.fromArray(F, grad, gOff + c);
            FloatVector z = FloatVector.fromArray(F, slots, sOff + c).mul(rho);
            FloatVector nOld = FloatVector.fromArray(F, slots, sOff + count + c).mul(rho);
            FloatVector nNew = nOld.add(g.mul(g));
            FloatVector sqrtNew = nNew.sqrt();
            FloatVector sigma = sqrtNew.sub(nOld.sqrt()).div(alpha);
            z = z.add(g.sub(sigma.mul(FloatVector.fromArray(F, params, pOff + c))));
            z.intoArray(slots, sOff + c);
            nNew.intoArray(slots, sOff + count + c);
            FloatVector sl1 = FloatVector.broadcast(F, l1).blend(-l1, z.lt(0.0f));
            FloatVector denom = sqrtNew.add(beta).div(alpha).add(l2);
            FloatVector theta = flush(z.sub(sl1).neg().div(denom));
            VectorMask<Float> inside = z.abs().compare(VectorOperators.LE, l1);
            theta.blend(0.0f, inside).intoArray(params, pOff + c);
        }
        ScalarStepLoops.ftrlRange(params, pOff, slots, sOff, sOff + count, grad, gOff, c, count, alpha, beta, l1, l2, rho);
    }

    private static FloatVector flush(FloatVector v) {
        return v.blend(0.0f, v.abs().lt(Optimizer.FLUSH_BELOW_32));
    }
}
