# Section "subgroup": subgroup analyses as metafor does them, for
# metareview.subgroup(). sys.source'd by make_golden.R, which provides TIGHT, num()
# and the packages.
#
# For each case:
#   - one rma(..., subset = g == level) per level (levels in order of first
#     appearance); a level with one study is that study's own result (metafor then
#     uses test="z" and tau^2 = 0, which metareview reports as not estimable);
#   - the overall model over all studies;
#   - the test for subgroup differences as RevMan 5 reports it: Cochran's Q over
#     the level estimates with weights 1/se^2, i.e. the QE (and I^2) of
#     rma(yi = est_g, sei = se_g, method = "FE");
#   - the mixed-effects model rma(yi, vi, mods = ~ factor(g)) (QM, its df and p);
#   - the cell-means model rma(yi, vi, mods = ~ factor(g) - 1), whose coefficients
#     are the level estimates under a tau^2 common to all levels (tau2_common=True).
# Per-study weights are given in the order of the input rows: within the study's
# level (percent of the level's total) and in the overall model. With a common
# tau^2 the within-level weights are 1 / (vi + tau^2) over the level's sum, and the
# level's I^2 is 100 tau^2 / (tau^2 + vt) with the level's typical within-study
# variance vt (Higgins & Thompson 2002), computed by hand below.
#
# yi and vi are rounded to the 15 significant digits that the JSON keeps before
# fitting, so R and Python fit exactly the same numbers.

exact15 <- function(x) as.numeric(sprintf("%.15g", x))

prep <- function(d, g) {
  keep <- is.finite(d$yi) & is.finite(d$vi)
  data.frame(yi = exact15(d$yi[keep]), vi = exact15(d$vi[keep]),
             g = as.character(g[keep]), stringsAsFactors = FALSE)
}

bcg <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
normand <- escalc("SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i,
                  n2i = n2i, data = dat.normand1999)
datasets <- list(
  # allocation method: random 7, alternate 2, systematic 4 (k = 13)
  bcg_alloc = prep(bcg, dat.bcg$alloc),
  # decade of publication: two levels with a single study (k = 13)
  bcg_decade = prep(bcg, paste0(10 * (dat.bcg$year %/% 10), "s")),
  # tester aware or blind of the teachers' expectancy (10 and 9 studies)
  raudenbush_tester = prep(dat.raudenbush1985, dat.raudenbush1985$tester),
  # group or individual setting (16 and 3 studies)
  raudenbush_setting = prep(dat.raudenbush1985, dat.raudenbush1985$setting),
  # site, the first word of the source: 6 levels, 4 of them a single study (k = 9)
  normand_site = prep(normand, sub("-.*$", "", dat.normand1999$source))
)

quiet <- function(expr) suppressWarnings(expr)

# the typical within-study variance of Higgins & Thompson (2002)
typical_v <- function(vi) {
  w <- 1 / vi
  (length(vi) - 1) * sum(w) / (sum(w)^2 - sum(w^2))
}

make_case <- function(name, d, method, test = "z", tau2_common = FALSE) {
  lev <- unique(d$g)
  d$f <- factor(d$g, levels = lev)
  G <- length(lev)
  k <- as.integer(table(d$f))
  random <- !(method %in% c("EE", "FE"))

  overall <- quiet(rma(yi, vi, data = d, method = method, test = test, control = TIGHT))
  mixed <- quiet(rma(yi, vi, mods = ~ f, data = d, method = method, test = test,
                     control = TIGHT))
  means <- quiet(rma(yi, vi, mods = ~ f - 1, data = d, method = method, test = test,
                     control = TIGHT))
  fits <- lapply(lev, function(l) quiet(rma(yi, vi, data = d, subset = g == l,
                                             method = method, test = test,
                                             control = TIGHT)))
  single <- k == 1
  na_single <- function(x) { x[single] <- NA; x }
  field <- function(f) sapply(fits, function(r) num(f(r)))

  QE <- na_single(field(function(r) r$QE))
  QEp <- na_single(field(function(r) r$QEp))
  w_within <- numeric(nrow(d))
  if (!tau2_common) {
    est <- field(function(r) r$beta)
    se <- field(function(r) r$se)
    pr <- lapply(fits, predict)
    lv <- list(
      estimate = est, se = se, zval = field(function(r) r$zval),
      pval = field(function(r) r$pval), ci_lb = field(function(r) r$ci.lb),
      ci_ub = field(function(r) r$ci.ub),
      pi_lb = na_single(sapply(pr, function(p) num(if (random) p$pi.lb else p$ci.lb))),
      pi_ub = na_single(sapply(pr, function(p) num(if (random) p$pi.ub else p$ci.ub))),
      tau2 = na_single(field(function(r) r$tau2)),
      I2 = na_single(field(function(r) r$I2)), QE = QE, QEp = QEp, k = k
    )
    for (j in seq_len(G)) w_within[d$f == lev[j]] <- weights(fits[[j]])
  } else {
    est <- num(means$beta)
    se <- num(means$se)
    pr <- predict(means, newmods = diag(G))
    t2 <- if (random) means$tau2 else 0
    vt <- sapply(lev, function(l) if (sum(d$g == l) > 1) typical_v(d$vi[d$g == l]) else NA)
    lv <- list(
      estimate = est, se = se, zval = num(means$zval), pval = num(means$pval),
      ci_lb = num(means$ci.lb), ci_ub = num(means$ci.ub),
      pi_lb = na_single(num(if (random) pr$pi.lb else pr$ci.lb)),
      pi_ub = na_single(num(if (random) pr$pi.ub else pr$ci.ub)),
      tau2 = rep(num(t2), G),
      I2 = na_single(if (random) num(100 * t2 / (t2 + vt)) else field(function(r) r$I2)),
      QE = QE, QEp = QEp, k = k
    )
    w <- 1 / (d$vi + t2)
    for (j in seq_len(G)) {
      rows <- d$f == lev[j]
      w_within[rows] <- 100 * w[rows] / sum(w[rows])
    }
  }
  if (test != "z") lv$dfs <- num(if (tau2_common) rep(means$ddf[1], G) else
    na_single(field(function(r) r$ddf)))

  between <- rma(yi = est, sei = se, method = "FE")
  expected <- list(
    levels = lev, level = lv,
    Qb = num(between$QE), Qb_df = G - 1, Qb_p = num(between$QEp),
    Qb_I2 = num(between$I2),
    QM = num(mixed$QM), QMdf = num(mixed$QMdf[1]), QMp = num(mixed$QMp),
    mixed_tau2 = num(mixed$tau2), mixed_QE = num(mixed$QE), mixed_QEp = num(mixed$QEp),
    mixed_QEdf = mixed$k - mixed$p,
    weights = num(w_within),
    overall = list(estimate = num(overall$beta), se = num(overall$se),
                   ci_lb = num(overall$ci.lb), ci_ub = num(overall$ci.ub),
                   pval = num(overall$pval), tau2 = num(overall$tau2),
                   I2 = num(overall$I2), QE = num(overall$QE),
                   weights = num(weights(overall)))
  )
  if (test != "z") expected$QMddf <- num(mixed$QMdf[2])

  call <- sprintf(paste0("per level: rma(yi, vi, subset=g==level, method=\"%s\", ",
                         "test=\"%s\"); rma(yi, vi, mods=~factor(g)%s, ...)"),
                  method, test, if (tau2_common) " - 1" else "")
  list(id = sprintf("%s-%s-%s%s", name, method, test, if (tau2_common) "-common" else ""),
       call = call,
       args = list(yi = d$yi, vi = d$vi, by = d$g, method = method, test = test,
                   tau2_common = tau2_common, level = 0.95),
       expected = expected)
}

cases <- list()
add <- function(x) cases[[length(cases) + 1]] <<- x

for (name in names(datasets)) {
  for (method in c("FE", "DL", "REML")) {
    for (test in c("z", "knha")) {
      add(make_case(name, datasets[[name]], method, test))
      if (method != "FE") add(make_case(name, datasets[[name]], method, test, TRUE))
    }
  }
}
# more estimators and the t test on two datasets
for (name in c("bcg_alloc", "raudenbush_tester")) {
  for (method in c("ML", "PM", "SJ", "HE", "EE")) {
    add(make_case(name, datasets[[name]], method, "z"))
  }
  for (method in c("DL", "REML")) {
    add(make_case(name, datasets[[name]], method, "t"))
    add(make_case(name, datasets[[name]], method, "t", TRUE))
  }
}
