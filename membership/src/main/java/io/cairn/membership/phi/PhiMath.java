package io.cairn.membership.phi;

/** The formula of the phi-accrual detector, separate so that it can be table-tested. */
public final class PhiMath {
  private static final double LN10 = Math.log(10);

  private PhiMath() {}

  /**
   * -log10 of the probability that a normally distributed interval (mean, stdDev) is longer than
   * {@code elapsed}, with the logistic approximation of the normal tail that Akka and Cassandra
   * use: P = 1 / (1 + e^(y (1.5976 + 0.070566 y^2))), y = (elapsed - mean) / stdDev. Computed in
   * log space, so the answer is finite however long the silence.
   */
  public static double phi(double elapsed, double mean, double stdDev) {
    double y = (elapsed - mean) / stdDev;
    double exponent = y * (1.5976 + 0.070566 * y * y); // -ln P = ln(1 + e^exponent)
    return softplus(exponent) / LN10;
  }

  /** ln(1 + e^x) without overflow. */
  static double softplus(double x) {
    if (x > 30) {
      return x + Math.log1p(Math.exp(-x));
    }
    return Math.log1p(Math.exp(x));
  }
}
