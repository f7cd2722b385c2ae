package org.chreode.kernels.multistage;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.chreode.kernels.common.Convergence;
import org.chreode.kernels.common.IterationListener;
import org.chreode.kernels.common.NumericalInstabilityException;
import org.chreode.kernels.linalg.Workers;

/**
 * The generalised Sinkhorn iteration of MultistageOT (Tronstad, Karlsson, Dahlin, PNAS 2025, Algorithm 1; spec
 * multistageot.md sections 6-7): block-coordinate ascent on the dual over the scalings u_0..u_T and s, with the
 * convergence test "max dual step + infeasibility &lt;= tolerance".
 *
 * <p>One sweep, for stage kernels G_t = diag(px_t) E diag(py_t) (plain model: px = py = 1), v = 1/u at the start:
 * <pre>
 *   R_t = G^_t v_T,  w_t = G~_t v_{t+1}                       (all stages in one pass over E)
 *   s   = max(1, 1 / [ u_{T-1} R_{T-1} + sum_{t=1}^{T-2} u_t (w_t + R_t) ])
 *   u_0 = max(1, 1 / (G_0 v_1))
 *   u_1 = sqrt( (G_0^T u_0) / (s (w_1 + R_1)) )
 *   u_t = sqrt( (G~_{t-1}^T (s u_{t-1})) / (s (w_t + R_t)) ),  t = 2..T-2
 *   u_{T-1} = sqrt( (G~_{T-2}^T (s u_{T-2})) / (s R_{T-1}) )
 *   u_T = min(1, sum_{t=1}^{T-1} G^_t^T (s u_t))
 * </pre>
 * A sweep streams the intermediate kernel T-1 times (once for all w_t, then once per forward stage), against
 * 3(T-2) dense products in the published code. Plans are never formed: feasibility comes from row and column sums of
 * the factored plans (section 7).
 *
 * <p>The stopping rule replicates the published code: the dual step is the largest change of epsilon*log(u) and
 * epsilon*log(s) over one sweep, refreshed at checks (every {@code checkInterval} sweeps; every sweep in the proximal
 * loop), infeasibility only at checks; the loop runs while step + infeasibility &gt; tolerance. With
 * {@code referencePlans} the plans use the start-of-sweep v like the published code (section 6.2); otherwise v = 1/u.
 *
 * <p>Unlike the published code, every sweep is checked for NaN, infinity and zero scalings (underflow): the solve
 * stops with a {@link NumericalInstabilityException} instead of looping forever (section 12), and the number of
 * sweeps is capped by {@code maxIterations}.
 */
final class MultistageSinkhorn {

    /** What one inner solve produced. */
    record Outcome(Convergence convergence, StageOperators operators, PlanFactors plan, StageSums sums,
                   Map<String, Object> diagnostics) {
    }

    private final Workers workers;
    private final int stagesT;
    private final int n0;
    private final int n1;
    private final int n;
    private final int nF;
    private final boolean aux;
    private final boolean referencePlans;
    private final double tolerance;
    private final int maxIterations;
    private final int checkInterval;
    private final IterationListener listener;

    /** Scalings u_0..u_T (u_1 has n1 entries), s, and the v the current plans use. */
    private double[][] u;
    private double[] s;
    private double[][] planV;

    MultistageSinkhorn(MultistageCosts costs, int stagesT, boolean referencePlans,
                       double tolerance, int maxIterations, int checkInterval, IterationListener listener,
                       Workers workers) {
        this.workers = workers;
        this.stagesT = stagesT;
        this.n0 = costs.initialCount();
        this.n1 = costs.initialColumns();
        this.n = costs.intermediateCount();
        this.nF = costs.terminalCount();
        this.aux = costs.outlierStates();
        this.referencePlans = referencePlans;
        this.tolerance = tolerance;
        this.maxIterations = maxIterations;
        this.checkInterval = checkInterval;
        this.listener = listener;
        this.u = new double[stagesT + 1][];
        for (int t = 0; t <= stagesT; t++) {
            u[t] = ones(t == 0 ? n0 : t == 1 ? n1 : t == stagesT ? nF : n);
        }
        this.s = ones(n);
        this.planV = reciprocals(u);
    }

    /**
     * Runs sweeps from the current (warm) scalings until the stopping rule holds or the cap is reached.
     *
     * @param prior         the stage kernels (the plain kernels, or with the proximal prior)
     * @param stepEpsilon   epsilon in the dual step (the proximal epsilon in the proximal loop)
     * @param everySweepStep refresh the dual step every sweep (the proximal loop's rule) instead of at checks
     * @param phase         name for progress events
     */
    Outcome solve(StageOperators prior, double stepEpsilon, boolean everySweepStep, String phase) {
        long start = System.nanoTime();
        PlanFactors plan = planFactors(planV);
        StageSums sums = stageSums(prior, plan);
        double[] feasibility = infeasibility(sums);
        double infeasibility = feasibility[0];
        double maxStep = 1.0;
        int iteration = 0;
        int checks = 0;
        boolean planCurrent = true;
        List<Double> history = new ArrayList<>();
        Convergence.Status status = Convergence.Status.CONVERGED;
        while (!(maxStep + infeasibility <= tolerance)) {
            if (iteration >= maxIterations) {
                status = Convergence.Status.MAX_ITERATIONS;
                break;
            }
            double[][] oldU = u;
            double[] oldS = s;
            double[][] startV = sweep(prior);
            requireFinite(iteration, stepEpsilon, phase);
            planCurrent = false;
            if (everySweepStep) {
                maxStep = dualStep(oldU, oldS, stepEpsilon);
            }
            if (iteration % checkInterval == 0) {
                if (!everySweepStep) {
                    maxStep = dualStep(oldU, oldS, stepEpsilon);
                }
                planV = referencePlans ? startV : reciprocals(u);
                plan = planFactors(planV);
                sums = stageSums(prior, plan);
                feasibility = infeasibility(sums);
                infeasibility = feasibility[0];
                planCurrent = true;
                checks++;
                history.add(maxStep + infeasibility);
                listener.onCheck(phase, iteration + 1, maxIterations, maxStep + infeasibility, stepEpsilon,
                        System.nanoTime() - start);
            } else if (referencePlans) {
                planV = startV;
            }
            iteration++;
        }
        if (!planCurrent) {
            planV = referencePlans ? planV : reciprocals(u);
            plan = planFactors(planV);
            sums = stageSums(prior, plan);
            feasibility = infeasibility(sums);
        }
        double[] errors = history.stream().mapToDouble(Double::doubleValue).toArray();
        Convergence convergence = new Convergence(status, iteration, checks, maxStep + infeasibility,
                feasibility[0], stepEpsilon, errors);
        Map<String, Object> diagnostics = new LinkedHashMap<>();
        diagnostics.put("phase", phase);
        diagnostics.put("status", status.name().toLowerCase(java.util.Locale.ROOT));
        diagnostics.put("sweeps", iteration);
        diagnostics.put("checks", checks);
        diagnostics.put("max_dual_step", maxStep);
        diagnostics.put("infeasibility", feasibility[0]);
        diagnostics.put("mu_0", feasibility[1]);
        diagnostics.put("mu_sum", feasibility[2]);
        diagnostics.put("max_mu_t", feasibility[3]);
        diagnostics.put("mu_T", feasibility[4]);
        diagnostics.put("epsilon", stepEpsilon);
        diagnostics.put("seconds", (System.nanoTime() - start) / 1e9);
        return new Outcome(convergence, prior, plan, sums, diagnostics);
    }

    /** One Gauss-Seidel sweep (class javadoc); replaces u and s, returns the start-of-sweep v. */
    private double[][] sweep(StageOperators g) {
        final int last = stagesT - 1;
        var mid = g.kernel.intermediate();
        double[][] v = reciprocals(u);
        double[][] next = new double[stagesT + 1][];

        double[][] r = new double[stagesT][];
        for (int t = 1; t <= last; t++) {
            r[t] = new double[n];
            g.terminal[t].multiply(v[stagesT], r[t]);
        }
        int m = stagesT - 2;
        double[][] w = new double[m][];
        double[][] lw = new double[m][];
        forwardProducts(g, v, w, lw);

        double[] acc = new double[n];
        for (int i = 0; i < n; i++) {
            acc[i] = u[last][i] * r[last][i];
        }
        for (int t = 1; t < last; t++) {
            double[] ut = u[t];
            if (g.logStage[t]) {
                double[] lwt = lw[t - 1];
                double[] rt = r[t];
                for (int i = 0; i < n; i++) {
                    acc[i] = acc[i] + Math.exp(Math.log(ut[i]) + logAddExp(lwt[i], Math.log(rt[i])));
                }
            } else {
                for (int i = 0; i < n; i++) {
                    acc[i] = acc[i] + ut[i] * (w[t - 1][i] + r[t][i]);
                }
            }
        }
        double[] newS = new double[n];
        for (int i = 0; i < n; i++) {
            newS[i] = Math.max(1.0, 1.0 / acc[i]);
        }
        if (aux) {
            newS[n - 1] = 1.0;
        }

        double[] k0v = new double[n0];
        g.initial.multiply(v[1], k0v);
        double[] u0 = new double[n0];
        for (int i = 0; i < n0; i++) {
            u0[i] = Math.max(1.0, 1.0 / k0v[i]);
        }
        if (aux) {
            u0[n0 - 1] = 1.0;
        }
        next[0] = u0;

        double[] k0tu = new double[n1];
        g.initial.multiplyTranspose(u0, k0tu);
        double[] u1 = new double[n1];
        if (g.logStage[1]) {
            for (int i = 0; i < n; i++) {
                u1[i] = flowScalingLog(Math.log(k0tu[i]), Math.log(newS[i]) + logAddExp(lw[0][i], Math.log(r[1][i])),
                        u[1][i]);
            }
        } else {
            for (int i = 0; i < n; i++) {
                u1[i] = flowScaling(k0tu[i], newS[i] * (w[0][i] + r[1][i]), u[1][i], g.hasPrior);
            }
        }
        if (aux) {
            u1[n] = 1.0;
        }
        next[1] = u1;

        double[] sent = new double[n];
        double[] received = new double[n];
        for (int t = 2; t <= last; t++) {
            double[] prev = next[t - 1];
            double[] ut = new double[n];
            boolean logIn = g.logStage[t - 1];
            boolean logOut = t < last && g.logStage[t];
            double[] inflow = null;
            if (logIn) {
                double[] z = new double[n];
                for (int i = 0; i < n; i++) {
                    z[i] = Math.log(newS[i] * prev[i]);
                }
                inflow = g.logProducts(new int[] {t - 1}, new boolean[] {true}, new double[][] {z}, workers)[0];
            } else {
                double[] px = g.midRow[t - 1];
                for (int i = 0; i < n; i++) {
                    sent[i] = px[i] * (newS[i] * prev[i]);
                }
                mid.multiply(sent, received, workers);
            }
            if (!logIn && !logOut) {
                double[] py = g.midCol[t - 1];
                for (int i = 0; i < n; i++) {
                    double outflow = t < last ? newS[i] * (w[t - 1][i] + r[t][i]) : newS[i] * r[last][i];
                    ut[i] = flowScaling(py[i] * received[i], outflow, u[t][i], g.hasPrior);
                }
            } else {
                double[] py = logIn ? null : g.midCol[t - 1];
                for (int i = 0; i < n; i++) {
                    double logInflow = logIn ? inflow[i] : Math.log(py[i] * received[i]);
                    double logOutflow = Math.log(newS[i]) + (t == last ? Math.log(r[last][i])
                            : logOut ? logAddExp(lw[t - 1][i], Math.log(r[t][i]))
                            : Math.log(w[t - 1][i] + r[t][i]));
                    ut[i] = flowScalingLog(logInflow, logOutflow, u[t][i]);
                }
            }
            next[t] = ut;
        }

        double[] terminalInflow = new double[nF];
        double[] fromStage = new double[n];
        double[] kTx = new double[nF];
        for (int t = 1; t <= last; t++) {
            double[] ut = next[t];
            for (int i = 0; i < n; i++) {
                fromStage[i] = newS[i] * ut[i];
            }
            g.terminal[t].multiplyTranspose(fromStage, kTx);
            for (int j = 0; j < nF; j++) {
                terminalInflow[j] += kTx[j];
            }
        }
        double[] uT = new double[nF];
        for (int j = 0; j < nF; j++) {
            uT[j] = Math.min(1.0, terminalInflow[j]);
        }
        if (aux) {
            uT[nF - 1] = 1.0;
        }
        next[stagesT] = uT;
        u = next;
        s = newS;
        return v;
    }

    /**
     * u_t,i = sqrt(inflow kernel term / outflow kernel term). Under a proximal prior a cell can be absent from a stage:
     * both terms are below the double range (mass &lt; 1e-300) and any u gives a zero plan row, so the previous value
     * is kept instead of 0/0; the plain model has no such cells, and an underflow there is reported by the caller.
     */
    private static double flowScaling(double inflow, double outflow, double previous, boolean prior) {
        if (prior && (inflow == 0 || outflow == 0)) {
            return previous;
        }
        return Math.sqrt(inflow / outflow);
    }

    /**
     * {@link #flowScaling} from the logs of the inflow and outflow kernel terms (log-domain stages): u = e^((a - b)/2).
     * A cell absent from the stage in the log domain too (a or b = -infinity) keeps its previous value.
     */
    private static double flowScalingLog(double logInflow, double logOutflow, double previous) {
        if (logInflow == Double.NEGATIVE_INFINITY || logOutflow == Double.NEGATIVE_INFINITY) {
            return previous;
        }
        return Math.exp(0.5 * (logInflow - logOutflow));
    }

    /**
     * The row products w_t = G~_t v_{t+1} of all stages t = 1..T-2 in one pass over E: scaling-domain stages into
     * {@code w[t-1]}, log-domain stages as logs into {@code lw[t-1]}.
     */
    private void forwardProducts(StageOperators g, double[][] v, double[][] w, double[][] lw) {
        int m = stagesT - 2;
        int fast = 0;
        for (int k = 0; k < m; k++) {
            fast += g.logStage[k + 1] ? 0 : 1;
        }
        if (fast > 0) {
            double[][] in = new double[fast][n];
            double[][] out = new double[fast][n];
            for (int k = 0, c = 0; k < m; k++) {
                if (!g.logStage[k + 1]) {
                    multiplyInto(g.midCol[k + 1], v[k + 2], in[c++]);
                }
            }
            g.kernel.intermediate().multiply(in, out, fast, workers);
            for (int k = 0, c = 0; k < m; k++) {
                if (!g.logStage[k + 1]) {
                    w[k] = out[c++];
                    multiplyInPlace(w[k], g.midRow[k + 1]);
                }
            }
        }
        if (fast < m) {
            int[] stages = new int[m - fast];
            double[][] z = new double[m - fast][];
            for (int k = 0, c = 0; k < m; k++) {
                if (g.logStage[k + 1]) {
                    stages[c] = k + 1;
                    z[c++] = logs(v[k + 2], n);
                }
            }
            double[][] out = g.logProducts(stages, new boolean[stages.length], z, workers);
            for (int c = 0; c < stages.length; c++) {
                lw[stages[c] - 1] = out[c];
            }
        }
    }

    private static double[] logs(double[] a, int length) {
        double[] out = new double[length];
        for (int i = 0; i < length; i++) {
            out[i] = Math.log(a[i]);
        }
        return out;
    }

    private static double logAddExp(double a, double b) {
        return org.chreode.kernels.linalg.PackedSymmetricMatrix.logAddExp(a, b);
    }

    /**
     * Scaling factors of the plans for the current u, s and the given v: M_0 = diag(u_0) G_0 diag(v_1),
     * M_t = diag(u_t s) G_t diag([v_{t+1}; v_T]), M_{T-1} = diag(u_{T-1} s) G^_{T-1} diag(v_T).
     */
    private PlanFactors planFactors(double[][] v) {
        final int last = stagesT - 1;
        PlanFactors f = PlanFactors.empty(stagesT);
        f.row[0] = u[0].clone();
        f.toIntermediate[0] = v[1].clone();
        for (int t = 1; t <= last; t++) {
            double[] x = new double[n];
            double[] ut = u[t];
            for (int i = 0; i < n; i++) {
                x[i] = ut[i] * s[i];
            }
            f.row[t] = x;
            if (t < last) {
                f.toIntermediate[t] = java.util.Arrays.copyOf(v[t + 1], n);
            }
            f.toTerminal[t] = v[stagesT].clone();
        }
        return f;
    }

    /** Row and column sums of every stage plan from its factors: one pass over E for all stages. */
    StageSums stageSums(StageOperators g, PlanFactors f) {
        final int last = stagesT - 1;
        double[][] rows = new double[stagesT][];
        double[][] midColumns = new double[stagesT][];
        double[][] terminalColumns = new double[stagesT][];
        rows[0] = new double[n0];
        g.initial.multiply(f.toIntermediate[0], rows[0]);
        multiplyInPlace(rows[0], f.row[0]);
        midColumns[0] = new double[n1];
        g.initial.multiplyTranspose(f.row[0], midColumns[0]);
        multiplyInPlace(midColumns[0], f.toIntermediate[0]);

        int m = stagesT - 2;
        double[][] out = new double[2 * m][];
        int fast = 0;
        for (int k = 0; k < m; k++) {
            fast += g.logStage[k + 1] ? 0 : 1;
        }
        if (fast > 0) {
            double[][] in = new double[2 * fast][n];
            double[][] fastOut = new double[2 * fast][n];
            for (int k = 0, c = 0; k < m; k++) {
                if (!g.logStage[k + 1]) {
                    multiplyInto(g.midCol[k + 1], f.toIntermediate[k + 1], in[c]);
                    multiplyInto(g.midRow[k + 1], f.row[k + 1], in[fast + c]);
                    c++;
                }
            }
            g.kernel.intermediate().multiply(in, fastOut, 2 * fast, workers);
            for (int k = 0, c = 0; k < m; k++) {
                if (!g.logStage[k + 1]) {
                    out[k] = fastOut[c];
                    out[m + k] = fastOut[fast + c];
                    c++;
                }
            }
        }
        if (fast < m) {
            int logCount = m - fast;
            int[] stages = new int[2 * logCount];
            boolean[] transposed = new boolean[2 * logCount];
            double[][] z = new double[2 * logCount][];
            for (int k = 0, c = 0; k < m; k++) {
                if (g.logStage[k + 1]) {
                    stages[c] = k + 1;
                    z[c] = logs(f.toIntermediate[k + 1], n);
                    stages[logCount + c] = k + 1;
                    transposed[logCount + c] = true;
                    z[logCount + c] = logs(f.row[k + 1], n);
                    c++;
                }
            }
            double[][] logOut = g.logProducts(stages, transposed, z, workers);
            for (int c = 0; c < logCount; c++) {
                out[stages[c] - 1] = logOut[c];
                out[m + stages[c] - 1] = logOut[logCount + c];
            }
        }
        double[] toTerminal = new double[n];
        for (int t = 1; t <= last; t++) {
            g.terminal[t].multiply(f.toTerminal[t], toTerminal);
            double[] row = new double[n];
            boolean logStage = t < last && g.logStage[t];
            for (int i = 0; i < n; i++) {
                if (logStage) {
                    // row sum e^(ln x_i + ln(G~ y)_i) + x_i (G^ v_T)_i; out holds ln(G~ y) for this stage
                    row[i] = Math.exp(Math.log(f.row[t][i]) + logAddExp(out[t - 1][i], Math.log(toTerminal[i])));
                } else {
                    double inner = t < last ? g.midRow[t][i] * out[t - 1][i] + toTerminal[i] : toTerminal[i];
                    row[i] = f.row[t][i] * inner;
                }
            }
            rows[t] = row;
            if (t < last) {
                double[] col = new double[n];
                for (int i = 0; i < n; i++) {
                    col[i] = logStage ? Math.exp(Math.log(f.toIntermediate[t][i]) + out[m + t - 1][i])
                            : f.toIntermediate[t][i] * (g.midCol[t][i] * out[m + t - 1][i]);
                }
                midColumns[t] = col;
            }
            terminalColumns[t] = new double[nF];
            g.terminal[t].multiplyTranspose(f.row[t], terminalColumns[t]);
            multiplyInPlace(terminalColumns[t], f.toTerminal[t]);
        }
        return new StageSums(rows, midColumns, terminalColumns);
    }

    /**
     * {max, mu_0, mu_sum, max_mu_t, mu_T} of spec section 7; the auxiliary cells are excluded from the "&gt;= 1"
     * constraints but not from flow conservation, as in the published code.
     */
    private double[] infeasibility(StageSums sums) {
        final int last = stagesT - 1;
        int realN0 = aux ? n0 - 1 : n0;
        int realN = aux ? n - 1 : n;
        int realNF = aux ? nF - 1 : nF;
        double mu0 = 1 - Math.min(min(sums.rows()[0], realN0), 1);
        double[] total = new double[n];
        double[] terminalTotal = new double[nF];
        for (int t = 1; t <= last; t++) {
            for (int i = 0; i < n; i++) {
                total[i] += sums.rows()[t][i];
            }
            for (int j = 0; j < nF; j++) {
                terminalTotal[j] += sums.terminalColumns()[t][j];
            }
        }
        double muSum = 1 - Math.min(min(total, realN), 1);
        double muT = 1 - Math.min(min(terminalTotal, realNF), 1);
        double maxMuT = 0;
        for (int t = 1; t <= last; t++) {
            double[] inflow = sums.intermediateColumns()[t - 1];
            double[] outflow = sums.rows()[t];
            for (int i = 0; i < n; i++) {
                maxMuT = Math.max(maxMuT, Math.abs(inflow[i] - outflow[i]));
            }
        }
        double max = Math.max(Math.max(mu0, muSum), Math.max(muT, maxMuT));
        return new double[] {max, mu0, muSum, maxMuT, muT};
    }

    /** Largest |eps log old - eps log new| over all scalings and s (the published code's max dual step). */
    private double dualStep(double[][] oldU, double[] oldS, double epsilon) {
        double step = 0;
        for (int t = 0; t < u.length; t++) {
            step = Math.max(step, maxLogChange(oldU[t], u[t], epsilon));
        }
        return Math.max(step, maxLogChange(oldS, s, epsilon));
    }

    private static double maxLogChange(double[] a, double[] b, double epsilon) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(epsilon * Math.log(a[i]) - epsilon * Math.log(b[i])));
        }
        return max;
    }

    private void requireFinite(int iteration, double epsilon, String phase) {
        for (int t = 0; t < u.length; t++) {
            for (double x : u[t]) {
                if (!(x > 0) || Double.isInfinite(x)) {
                    throw instability(iteration, epsilon, phase, "scaling u_" + t + " became " + x);
                }
            }
        }
        for (double x : s) {
            if (!(x > 0) || Double.isInfinite(x)) {
                throw instability(iteration, epsilon, phase, "scaling s became " + x);
            }
        }
    }

    private static NumericalInstabilityException instability(int iteration, double epsilon, String phase,
                                                             String what) {
        return new NumericalInstabilityException("MultistageOT " + phase + ": at sweep " + (iteration + 1) + " the "
                + what + " (floating-point under/overflow): epsilon = " + epsilon + " is too small for this cost"
                + " scale. Use a larger --epsilon (e.g. 2-5x) and reach a small effective epsilon with"
                + " --epsilon-target (the proximal loop), which stays stable.", iteration + 1, epsilon);
    }

    double[][] scalingsRef() {
        return u;
    }

    private static double min(double[] a, int length) {
        double m = Double.POSITIVE_INFINITY;
        for (int i = 0; i < length; i++) {
            m = Math.min(m, a[i]);
        }
        return m;
    }

    private static double[] ones(int length) {
        double[] a = new double[length];
        java.util.Arrays.fill(a, 1.0);
        return a;
    }

    private static double[][] reciprocals(double[][] a) {
        double[][] out = new double[a.length][];
        for (int t = 0; t < a.length; t++) {
            out[t] = new double[a[t].length];
            for (int i = 0; i < a[t].length; i++) {
                out[t][i] = 1.0 / a[t][i];
            }
        }
        return out;
    }

    /** Element-wise product of the first a.length entries of a and b (b may be longer). */
    private static double[] product(double[] a, double[] b) {
        double[] out = new double[a.length];
        multiplyInto(a, b, out);
        return out;
    }

    private static void multiplyInto(double[] a, double[] b, double[] out) {
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] * b[i];
        }
    }

    private static void multiplyInPlace(double[] target, double[] factor) {
        for (int i = 0; i < target.length; i++) {
            target[i] *= factor[i];
        }
    }
}
