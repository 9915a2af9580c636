# Section "escalc": escalc() for every measure and vtype metareview implements,
# with the add / to / drop00 variations, missing values and k <= 3.
# sys.source'd by make_golden.R, which provides num() and the packages.
#
# A case holds args (measure, the input vectors with NA as null, and the options
# given to escalc) and expected (yi, vi). Python calls escalc(**args) and compares.

case <- function(id, measure, inputs, ...) {
  opts <- list(...)
  res <- do.call(escalc, c(list(measure = measure), inputs, opts))
  shown <- vapply(names(opts), function(n) paste0(n, "=", deparse(opts[[n]])), "")
  list(
    id = id,
    call = sprintf("escalc(\"%s\", %s)  # %s", measure,
                   paste(c(names(inputs), shown), collapse = ", "),
                   attr(inputs, "source")),
    args = c(list(measure = measure), lapply(inputs, num), opts),
    expected = list(yi = num(res$yi), vi = num(res$vi))
  )
}

# --- inputs ------------------------------------------------------------------
# each input list records where its vectors come from, for the "call" field
from <- function(x, source) structure(x, source = source)
bcg <- from(with(dat.bcg, list(ai = tpos, bi = tneg, ci = cpos, di = cneg)),
            "dat.bcg: tpos, tneg, cpos, cneg")
bcg_n <- from(with(dat.bcg, list(ai = tpos, n1i = tpos + tneg, ci = cpos, n2i = cpos + cneg)),
              "dat.bcg: tpos, tpos + tneg, cpos, cpos + cneg")
# 130 tables, 11 with no events in either group, 12 with NA counts
yusuf <- from(with(dat.yusuf1985, list(ai = ai, n1i = n1i, ci = ci, n2i = n2i)), "dat.yusuf1985")
# zero cells (one double-zero study), k = 18
niel <- from(with(dat.nielweise2007, list(ai = ai, n1i = n1i, ci = ci, n2i = n2i)),
             "dat.nielweise2007")
# "other" outcome: NA counts, zero cells and one double-zero study (Foco 1984)
collins <- from(with(dat.collins1985a, list(ai = o.xti, n1i = nti, ci = o.xci, n2i = nci)),
                "dat.collins1985a: o.xti, nti, o.xci, nci")
# the same with bi/di and a row where only the non-events are known to be NA
collins_bd <- from(with(dat.collins1985a, list(ai = o.xti, bi = nti - o.xti,
                                               ci = o.xci, di = nci - o.xci)),
                   "dat.collins1985a: o.xti, nti - o.xti, o.xci, nci - o.xci")
normand <- from(with(dat.normand1999, list(m1i = m1i, sd1i = sd1i, n1i = n1i,
                                           m2i = m2i, sd2i = sd2i, n2i = n2i)),
                "dat.normand1999")
normand_na <- normand
normand_na$sd1i[3] <- NA
normand_na$m2i[7] <- NA
attr(normand_na, "source") <- "dat.normand1999, sd1i[3] and m2i[7] set to NA"
curtis <- from(with(dat.curtis1998, list(m1i = m1i, sd1i = sd1i, n1i = n1i,
                                         m2i = m2i, sd2i = sd2i, n2i = n2i)),
               "dat.curtis1998")
molloy <- from(with(dat.molloy2014, list(ri = ri, ni = ni)), "dat.molloy2014")
# two studies with xi = ni
pritz <- from(with(dat.pritz1997, list(xi = xi, ni = ni)), "dat.pritz1997")
pritz0 <- pritz
pritz0$xi[c(3, 9)] <- c(0, NA)                          # and a zero and an NA
attr(pritz0, "source") <- "dat.pritz1997, xi[3] = 0, xi[9] = NA"
hart <- from(with(dat.hart1999, list(x1i = x1i, t1i = t1i, x2i = x2i, t2i = t2i)),
             "dat.hart1999")
hart0 <- hart
hart0$x1i[2] <- 0                                        # a zero count
hart0$x1i[4] <- 0; hart0$x2i[4] <- 0                     # a double zero
hart0$t2i[5] <- NA                                       # a missing person-time
attr(hart0, "source") <- "dat.hart1999, x1i[2] = 0, x1i[4] = x2i[4] = 0, t2i[5] = NA"
hack <- from(with(dat.hackshaw1998, list(yi = yi, vi = vi)), "dat.hackshaw1998")
hack_se <- from(with(dat.hackshaw1998, list(yi = yi, sei = sqrt(vi))),
                "dat.hackshaw1998, sei = sqrt(vi)")
pick <- function(x, rows) {
  from(lapply(x, function(v) v[rows]),
       sprintf("%s, rows %s", attr(x, "source"), deparse(rows)))
}

cases <- list()
add <- function(...) cases[[length(cases) + 1]] <<- case(...)

# --- 2x2 tables ----------------------------------------------------------------
for (m in c("OR", "RR", "RD", "PETO")) {
  add(paste0("bcg_", m), m, bcg)
  add(paste0("bcg_n_", m), m, bcg_n)
  add(paste0("yusuf_", m), m, yusuf)
  add(paste0("yusuf_", m, "_drop00"), m, yusuf, drop00 = TRUE)
  for (to in c("all", "if0all", "none")) add(paste0("yusuf_", m, "_", to), m, yusuf, to = to)
  add(paste0("yusuf_", m, "_add0.1"), m, yusuf, add = 0.1)
  add(paste0("yusuf_", m, "_add0"), m, yusuf, add = 0)
  add(paste0("niel_", m), m, niel)
  add(paste0("niel_", m, "_if0all_drop00"), m, niel, to = "if0all", drop00 = TRUE)
  add(paste0("collins_", m), m, collins)
  add(paste0("collins_bd_", m, "_drop00"), m, collins_bd, drop00 = TRUE)
  add(paste0("bcg_k2_", m), m, pick(bcg, 1:2))
  add(paste0("bcg_k1_", m), m, pick(bcg, 1))
}
add("niel_k1_zero_OR", "OR", pick(niel, 1))
add("niel_k1_double_zero_RD", "RD", pick(niel, 15))
add("bcg_k3_OR_all", "OR", pick(bcg, 1:3), to = "all")

# --- means and SDs ---------------------------------------------------------------
add("normand_MD", "MD", normand)
add("normand_MD_HO", "MD", normand, vtype = "HO")
for (vt in c("LS", "UB", "AV")) add(paste0("normand_SMD_", vt), "SMD", normand, vtype = vt)
add("normand_SMDH", "SMDH", normand)
add("normand_ROM", "ROM", normand)
for (m in c("MD", "SMD", "SMDH", "ROM")) add(paste0("normand_na_", m), m, normand_na)
add("normand_na_SMD_AV", "SMD", normand_na, vtype = "AV")
add("normand_na_SMD_UB", "SMD", normand_na, vtype = "UB")
add("normand_na_MD_HO", "MD", normand_na, vtype = "HO")
for (m in c("MD", "SMD", "SMDH", "ROM")) add(paste0("curtis_", m), m, curtis)
add("curtis_SMD_AV", "SMD", curtis, vtype = "AV")
add("normand_k3_SMD", "SMD", pick(normand, 1:3))
add("normand_k2_SMD_AV", "SMD", pick(normand, 1:2), vtype = "AV")
add("normand_k1_SMD_UB", "SMD", pick(normand, 5), vtype = "UB")
add("normand_k1_MD_HO", "MD", pick(normand, 5), vtype = "HO")

# --- correlations ----------------------------------------------------------------
add("molloy_COR", "COR", molloy)
add("molloy_ZCOR", "ZCOR", molloy)
add("molloy_k2_ZCOR", "ZCOR", pick(molloy, 1:2))

# --- proportions -----------------------------------------------------------------
for (m in c("PR", "PLO", "PFT")) {
  add(paste0("pritz_", m), m, pritz)
  add(paste0("pritz0_", m), m, pritz0)
  for (to in c("all", "if0all", "none")) add(paste0("pritz0_", m, "_", to), m, pritz0, to = to)
  add(paste0("pritz0_", m, "_add0.5"), m, pritz0, add = 0.5)
  add(paste0("pritz_k1_", m), m, pick(pritz, 5))
}

# --- incidence rates -------------------------------------------------------------
for (m in c("IRR", "IRD")) {
  add(paste0("hart_", m), m, hart)
  add(paste0("hart0_", m), m, hart0)
  add(paste0("hart0_", m, "_drop00"), m, hart0, drop00 = TRUE)
  for (to in c("all", "if0all", "none")) add(paste0("hart0_", m, "_", to), m, hart0, to = to)
  add(paste0("hart0_", m, "_add1"), m, hart0, add = 1)
  add(paste0("hart_k2_", m), m, pick(hart, 1:2))
}

# --- generic ---------------------------------------------------------------------
add("hackshaw_GEN_vi", "GEN", hack)
add("hackshaw_GEN_sei", "GEN", hack_se)
