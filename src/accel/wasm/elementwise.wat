;; Elementwise and row kernels on float32 arrays with 128-bit SIMD (four elements per instruction): GELU
;; forward and backward, the attention probabilities softmax(scale x + mask) by rows (which cross-entropy
;; uses too, with each row's max and sum), layer normalisation forward and backward (in float64, two
;; elements per instruction), the four arithmetic operations and column sums, permutes that keep the last
;; dimension contiguous, and dropout's stream mask (one element at a time: the stream is sequential).
;;
;; Compiled to src/accel/wasm/elementwise-wasm.ts by `npx tsx scripts/build-wasm.ts` (see docs/wasm-kernel.md);
;; src/accel/wasm/gelu.ts, softmax.ts and cross-entropy.ts copy the arrays into wasm memory, call these, and copy the result out.
;;
;; GELU: the formulas are the core's float32 ones (src/ops/gelu.ts, src/ops/erf-float32.ts), with h = x + bias[j]:
;;   forward   out   = h/2 (1 + erf(h / sqrt 2))
;;   backward  gradX = gradOut (Phi(h) + h phi(h)) = gradOut ((1 + erf(h / sqrt 2)) / 2 + h exp(-h^2/2) / sqrt(2 pi))
;;   erf(t) ~= t P(t^2) / Q(t^2), t clamped to [-4, 4]   (the same coefficients as erf-float32.ts)
;; The core evaluates them in float64 and rounds once; here every step rounds to float32, so results differ
;; from the core's by a few float32 units (test/accel/wasm-gelu.test.ts bounds the difference).
;;
;; Arrays are [rows, cols] row-major at byte addresses; bias (cols floats) is added to every row when
;; $hasBias is 1. The math runs over whole arrays four elements at a time, in passes (h, then erf or exp in
;; place, then the formula): each pass is one loop without calls, since V8 does not inline WebAssembly
;; calls and a call per vector cost a third of the time (docs/wasm-kernel.md). The arrays' regions are
;; padded to whole vectors (gelu.ts, softmax.ts), so the last vector's extra lanes compute on padding and
;; nobody reads them.
(module
  (import "env" "memory" (memory 1 32768 shared))

  ;; erf(t) in place for $count vectors from $at: t P(z) / Q(z), z = t^2, t clamped to [-4, 4], Horner's rule
  ;; from the highest power.
  (func $erfInPlace (param $at i32) (param $count i32)
    (local $end i32) (local $t v128) (local $z v128) (local $p v128) (local $q v128)
    (if (i32.eqz (local.get $count)) (then (return)))
    (local.set $end (i32.add (local.get $at) (i32.shl (local.get $count) (i32.const 4))))
    (loop $each
      (local.set $t (v128.load (local.get $at)))
      (local.set $t (f32x4.min (f32x4.max (local.get $t) (v128.const f32x4 -4 -4 -4 -4)) (v128.const f32x4 4 4 4 4)))
      (local.set $z (f32x4.mul (local.get $t) (local.get $t)))
      (local.set $p (v128.const f32x4 -2.72614225801306e-10 -2.72614225801306e-10 -2.72614225801306e-10 -2.72614225801306e-10))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (v128.const f32x4 2.77068142495902e-8 2.77068142495902e-8 2.77068142495902e-8 2.77068142495902e-8)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (v128.const f32x4 -2.10102402082508e-6 -2.10102402082508e-6 -2.10102402082508e-6 -2.10102402082508e-6)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (v128.const f32x4 -5.69250639462346e-5 -5.69250639462346e-5 -5.69250639462346e-5 -5.69250639462346e-5)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (v128.const f32x4 -7.34990630326855e-4 -7.34990630326855e-4 -7.34990630326855e-4 -7.34990630326855e-4)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (v128.const f32x4 -2.95459980854025e-3 -2.95459980854025e-3 -2.95459980854025e-3 -2.95459980854025e-3)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (v128.const f32x4 -1.60960333262415e-2 -1.60960333262415e-2 -1.60960333262415e-2 -1.60960333262415e-2)))
      (local.set $q (v128.const f32x4 -1.45660718464996e-5 -1.45660718464996e-5 -1.45660718464996e-5 -1.45660718464996e-5))
      (local.set $q (f32x4.add (f32x4.mul (local.get $q) (local.get $z)) (v128.const f32x4 -2.13374055278905e-4 -2.13374055278905e-4 -2.13374055278905e-4 -2.13374055278905e-4)))
      (local.set $q (f32x4.add (f32x4.mul (local.get $q) (local.get $z)) (v128.const f32x4 -1.68282697438203e-3 -1.68282697438203e-3 -1.68282697438203e-3 -1.68282697438203e-3)))
      (local.set $q (f32x4.add (f32x4.mul (local.get $q) (local.get $z)) (v128.const f32x4 -7.37332916720468e-3 -7.37332916720468e-3 -7.37332916720468e-3 -7.37332916720468e-3)))
      (local.set $q (f32x4.add (f32x4.mul (local.get $q) (local.get $z)) (v128.const f32x4 -1.42647390514189e-2 -1.42647390514189e-2 -1.42647390514189e-2 -1.42647390514189e-2)))
      (v128.store (local.get $at) (f32x4.div (f32x4.mul (local.get $t) (local.get $p)) (local.get $q)))
      (local.set $at (i32.add (local.get $at) (i32.const 16)))
      (br_if $each (i32.lt_u (local.get $at) (local.get $end)))))

  ;; [docs: wasm-exp] exp(y) in place for $count vectors from $at, y <= 0: y = n ln 2 + r with
  ;; n = round(y / ln 2) and |r| <= ln 2 / 2, so exp(y) = 2^n e^r; e^r by a degree-5 polynomial (the coefficients of the Cephes library's expf, within
  ;; a float32 unit or two), 2^n built from its exponent bits. ln 2 is split in two (0.693359375 is exact
  ;; in a few bits) so that n ln 2 is subtracted without rounding away r. Below -87.3 the result would leave
  ;; float32's normal range: there the result is 0 (as for y = -Infinity: a masked position). NaN stays NaN.
  (func $expNegativeInPlace (param $at i32) (param $count i32)
    (local $end i32) (local $y v128) (local $n v128) (local $r v128) (local $p v128) (local $under v128)
    (if (i32.eqz (local.get $count)) (then (return)))
    (local.set $end (i32.add (local.get $at) (i32.shl (local.get $count) (i32.const 4))))
    (loop $each
      (local.set $y (v128.load (local.get $at)))
      (local.set $under (f32x4.lt (local.get $y) (v128.const f32x4 -87.3 -87.3 -87.3 -87.3)))
      (local.set $y (f32x4.max (local.get $y) (v128.const f32x4 -87.3 -87.3 -87.3 -87.3)))
      (local.set $n (f32x4.nearest (f32x4.mul (local.get $y) (v128.const f32x4 1.44269504088896341 1.44269504088896341 1.44269504088896341 1.44269504088896341))))
      (local.set $r (f32x4.sub (local.get $y) (f32x4.mul (local.get $n) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))))
      (local.set $r (f32x4.sub (local.get $r) (f32x4.mul (local.get $n) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
      (local.set $p (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)))
      ;; e^r ~= 1 + r + r^2 p
      (local.set $p (f32x4.add (f32x4.add (f32x4.mul (f32x4.mul (local.get $r) (local.get $r)) (local.get $p)) (local.get $r)) (v128.const f32x4 1 1 1 1)))
      ;; 2^n: the float32 whose exponent field is n + 127; lanes that underflowed are cleared to 0
      (v128.store (local.get $at)
        (v128.andnot
          (f32x4.mul (local.get $p)
            (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (v128.const i32x4 127 127 127 127)) (i32.const 23)))
          (local.get $under)))
      (local.set $at (i32.add (local.get $at) (i32.const 16)))
      (br_if $each (i32.lt_u (local.get $at) (local.get $end)))))

  ;; x[i, j] += bias[j] in place, row by row (nothing without a bias): h, as a separate add op would round it.
  (func $addBias (param $x i32) (param $bias i32) (param $hasBias i32) (param $rows i32) (param $cols i32)
    (local $rowBytes i32) (local $cols4 i32) (local $row i32) (local $end i32) (local $jb i32)
    (if (i32.or (i32.eqz (local.get $hasBias)) (i32.eqz (local.get $rows))) (then (return)))
    (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $cols4 (i32.shl (i32.and (local.get $cols) (i32.const -4)) (i32.const 2)))
    (local.set $row (local.get $x))
    (local.set $end (i32.add (local.get $x) (i32.mul (local.get $rows) (local.get $rowBytes))))
    (loop $rows
      (local.set $jb (i32.const 0))
      (block $vectorsDone
        (br_if $vectorsDone (i32.ge_u (local.get $jb) (local.get $cols4)))
        (loop $vectors
          (v128.store (i32.add (local.get $row) (local.get $jb))
            (f32x4.add (v128.load (i32.add (local.get $row) (local.get $jb))) (v128.load (i32.add (local.get $bias) (local.get $jb)))))
          (local.set $jb (i32.add (local.get $jb) (i32.const 16)))
          (br_if $vectors (i32.lt_u (local.get $jb) (local.get $cols4)))))
      (block $tailDone
        (br_if $tailDone (i32.ge_u (local.get $jb) (local.get $rowBytes)))
        (loop $tail
          (f32.store (i32.add (local.get $row) (local.get $jb))
            (f32.add (f32.load (i32.add (local.get $row) (local.get $jb))) (f32.load (i32.add (local.get $bias) (local.get $jb)))))
          (local.set $jb (i32.add (local.get $jb) (i32.const 4)))
          (br_if $tail (i32.lt_u (local.get $jb) (local.get $rowBytes)))))
      (local.set $row (i32.add (local.get $row) (local.get $rowBytes)))
      (br_if $rows (i32.lt_u (local.get $row) (local.get $end)))))

  ;; out = gelu(x + bias) = h/2 (1 + erf(h / sqrt 2)), all [rows, cols]; x is overwritten with h.
  (func (export "geluForward") (param $x i32) (param $bias i32) (param $hasBias i32) (param $out i32) (param $rows i32) (param $cols i32)
    (local $count i32) (local $e i32) (local $end i32) (local $h v128)
    (call $addBias (local.get $x) (local.get $bias) (local.get $hasBias) (local.get $rows) (local.get $cols))
    ;; whole vectors over the array: ceil(rows cols / 4)
    (local.set $count (i32.shr_u (i32.add (i32.mul (local.get $rows) (local.get $cols)) (i32.const 3)) (i32.const 2)))
    (if (i32.eqz (local.get $count)) (then (return)))
    (local.set $end (i32.shl (local.get $count) (i32.const 4)))
    ;; out = h / sqrt 2, then erf of it in place
    (local.set $e (i32.const 0))
    (loop $scale
      (v128.store (i32.add (local.get $out) (local.get $e))
        (f32x4.mul (v128.load (i32.add (local.get $x) (local.get $e))) (v128.const f32x4 0.70710678118654752 0.70710678118654752 0.70710678118654752 0.70710678118654752)))
      (local.set $e (i32.add (local.get $e) (i32.const 16)))
      (br_if $scale (i32.lt_u (local.get $e) (local.get $end))))
    (call $erfInPlace (local.get $out) (local.get $count))
    ;; out = (h / 2) (1 + erf)
    (local.set $e (i32.const 0))
    (loop $combine
      (local.set $h (v128.load (i32.add (local.get $x) (local.get $e))))
      (v128.store (i32.add (local.get $out) (local.get $e))
        (f32x4.mul
          (f32x4.mul (local.get $h) (v128.const f32x4 0.5 0.5 0.5 0.5))
          (f32x4.add (v128.const f32x4 1 1 1 1) (v128.load (i32.add (local.get $out) (local.get $e))))))
      (local.set $e (i32.add (local.get $e) (i32.const 16)))
      (br_if $combine (i32.lt_u (local.get $e) (local.get $end)))))

  ;; gradX = gradOut gelu'(x + bias) = gradOut ((1 + erf(h / sqrt 2)) / 2 + h exp(-h^2 / 2) / sqrt(2 pi)), all
  ;; [rows, cols]; x is overwritten with h and $work (as large as gradX) holds the exp (the bias gradient's
  ;; column sums are the caller's).
  (func (export "geluBackward") (param $x i32) (param $bias i32) (param $hasBias i32) (param $gradOut i32) (param $gradX i32)
                                (param $work i32) (param $rows i32) (param $cols i32)
    (local $count i32) (local $e i32) (local $end i32) (local $h v128)
    (call $addBias (local.get $x) (local.get $bias) (local.get $hasBias) (local.get $rows) (local.get $cols))
    (local.set $count (i32.shr_u (i32.add (i32.mul (local.get $rows) (local.get $cols)) (i32.const 3)) (i32.const 2)))
    (if (i32.eqz (local.get $count)) (then (return)))
    (local.set $end (i32.shl (local.get $count) (i32.const 4)))
    ;; gradX = h / sqrt 2 and work = h^2 (-1/2), then erf and exp of them in place
    (local.set $e (i32.const 0))
    (loop $arguments
      (local.set $h (v128.load (i32.add (local.get $x) (local.get $e))))
      (v128.store (i32.add (local.get $gradX) (local.get $e))
        (f32x4.mul (local.get $h) (v128.const f32x4 0.70710678118654752 0.70710678118654752 0.70710678118654752 0.70710678118654752)))
      (v128.store (i32.add (local.get $work) (local.get $e))
        (f32x4.mul (f32x4.mul (local.get $h) (local.get $h)) (v128.const f32x4 -0.5 -0.5 -0.5 -0.5)))
      (local.set $e (i32.add (local.get $e) (i32.const 16)))
      (br_if $arguments (i32.lt_u (local.get $e) (local.get $end))))
    (call $erfInPlace (local.get $gradX) (local.get $count))
    (call $expNegativeInPlace (local.get $work) (local.get $count))
    ;; gradX = gradOut ((1 + erf) / 2 + h / sqrt(2 pi) exp)
    (local.set $e (i32.const 0))
    (loop $combine
      (local.set $h (v128.load (i32.add (local.get $x) (local.get $e))))
      (v128.store (i32.add (local.get $gradX) (local.get $e))
        (f32x4.mul (v128.load (i32.add (local.get $gradOut) (local.get $e)))
          (f32x4.add
            (f32x4.mul (v128.const f32x4 0.5 0.5 0.5 0.5)
              (f32x4.add (v128.const f32x4 1 1 1 1) (v128.load (i32.add (local.get $gradX) (local.get $e)))))
            (f32x4.mul
              (f32x4.mul (local.get $h) (v128.const f32x4 0.39894228040143268 0.39894228040143268 0.39894228040143268 0.39894228040143268))
              (v128.load (i32.add (local.get $work) (local.get $e)))))))
      (local.set $e (i32.add (local.get $e) (i32.const 16)))
      (br_if $combine (i32.lt_u (local.get $e) (local.get $end)))))

  ;; ---- softmax(scale x + mask) by rows ---- [docs: wasm-softmax]
  ;; For each of $rows rows of $cols floats at $x: z = scale x + mask row (the mask row of row r starts at
  ;; the byte address in $maskRows[r] when $hasMask is 1), written to $out; then out = exp(z - max z) /
  ;; sum exp(z - max z), in place. As in the core (src/ops/softmax.ts): a row whose max is -Infinity (every
  ;; position masked) gives zeros, and a NaN or +Infinity in a row makes the whole row NaN (max is then NaN,
  ;; or z - max is NaN at the +Infinity). The last cols mod 4 positions go one at a time, but for exp.
  ;; When $stats is not 0 (address 0 is the control block, never an array), row r's max z and its sum of
  ;; exp(z - max z) are stored at $stats + 8 r and $stats + 8 r + 4 (-Infinity and 0 for a row all masked):
  ;; cross-entropy's log-sum-exp (cross-entropy.ts).
  (func (export "scaledMaskedSoftmax") (param $x i32) (param $scale f32) (param $hasMask i32) (param $maskRows i32) (param $out i32)
                                       (param $rows i32) (param $cols i32) (param $stats i32)
    (local $rowBytes i32) (local $cols4 i32) (local $i i32) (local $jb i32) (local $row i32) (local $mask i32)
    (local $vscale v128) (local $v v128) (local $m v128) (local $sum v128) (local $max f32) (local $total f32) (local $e f32)
    (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $cols4 (i32.shl (i32.and (local.get $cols) (i32.const -4)) (i32.const 2)))
    (local.set $vscale (f32x4.splat (local.get $scale)))
    (block $done
      (br_if $done (i32.or (i32.eqz (local.get $rows)) (i32.eqz (local.get $cols))))
      (loop $eachRow
        (local.set $row (i32.mul (local.get $i) (local.get $rowBytes)))
        (local.set $mask (i32.load (i32.add (local.get $maskRows) (i32.shl (local.get $i) (i32.const 2)))))
        ;; pass 1: out = scale x (+ mask), and its running max ($m by lanes, $max for the tail)
        (local.set $m (v128.const f32x4 -inf -inf -inf -inf))
        (local.set $max (f32.const -inf))
        (local.set $jb (i32.const 0))
        (block $d1 (br_if $d1 (i32.ge_u (local.get $jb) (local.get $cols4)))
          (loop $l1
            (local.set $v (f32x4.mul (v128.load (i32.add (local.get $x) (i32.add (local.get $row) (local.get $jb)))) (local.get $vscale)))
            (if (local.get $hasMask)
              (then (local.set $v (f32x4.add (local.get $v) (v128.load (i32.add (local.get $mask) (local.get $jb)))))))
            (v128.store (i32.add (local.get $out) (i32.add (local.get $row) (local.get $jb))) (local.get $v))
            (local.set $m (f32x4.max (local.get $m) (local.get $v)))
            (local.set $jb (i32.add (local.get $jb) (i32.const 16)))
            (br_if $l1 (i32.lt_u (local.get $jb) (local.get $cols4)))))
        (block $d1t (br_if $d1t (i32.ge_u (local.get $jb) (local.get $rowBytes)))
          (loop $l1t
            (local.set $e (f32.mul (f32.load (i32.add (local.get $x) (i32.add (local.get $row) (local.get $jb)))) (local.get $scale)))
            (if (local.get $hasMask)
              (then (local.set $e (f32.add (local.get $e) (f32.load (i32.add (local.get $mask) (local.get $jb)))))))
            (f32.store (i32.add (local.get $out) (i32.add (local.get $row) (local.get $jb))) (local.get $e))
            (local.set $max (f32.max (local.get $max) (local.get $e)))
            (local.set $jb (i32.add (local.get $jb) (i32.const 4)))
            (br_if $l1t (i32.lt_u (local.get $jb) (local.get $rowBytes)))))
        ;; the row's max: the four lanes and the tail (f32.max and f32x4.max propagate NaN)
        (local.set $max (f32.max (local.get $max) (f32.max
          (f32.max (f32x4.extract_lane 0 (local.get $m)) (f32x4.extract_lane 1 (local.get $m)))
          (f32.max (f32x4.extract_lane 2 (local.get $m)) (f32x4.extract_lane 3 (local.get $m))))))
        (if (local.get $stats)
          (then (f32.store (i32.add (local.get $stats) (i32.shl (local.get $i) (i32.const 3))) (local.get $max))))
        (if (f32.eq (local.get $max) (f32.const -inf))
          (then
            ;; every position masked: zeros
            (if (local.get $stats)
              (then (f32.store offset=4 (i32.add (local.get $stats) (i32.shl (local.get $i) (i32.const 3))) (f32.const 0))))
            (memory.fill (i32.add (local.get $out) (local.get $row)) (i32.const 0) (local.get $rowBytes)))
          (else
            ;; pass 2: out = out - max, then exp of the row's vectors in place (the last, partial one reaches
            ;; into the next row, not yet written, or the region's padding: softmax.ts), then the sum by lanes
            (local.set $m (f32x4.splat (local.get $max)))
            (local.set $jb (i32.const 0))
            (block $d2 (br_if $d2 (i32.ge_u (local.get $jb) (local.get $cols4)))
              (loop $l2
                (v128.store (i32.add (local.get $out) (i32.add (local.get $row) (local.get $jb)))
                  (f32x4.sub (v128.load (i32.add (local.get $out) (i32.add (local.get $row) (local.get $jb)))) (local.get $m)))
                (local.set $jb (i32.add (local.get $jb) (i32.const 16)))
                (br_if $l2 (i32.lt_u (local.get $jb) (local.get $cols4)))))
            (block $d2t (br_if $d2t (i32.ge_u (local.get $jb) (local.get $rowBytes)))
              (loop $l2t
                (f32.store (i32.add (local.get $out) (i32.add (local.get $row) (local.get $jb)))
                  (f32.sub (f32.load (i32.add (local.get $out) (i32.add (local.get $row) (local.get $jb)))) (local.get $max)))
                (local.set $jb (i32.add (local.get $jb) (i32.const 4)))
                (br_if $l2t (i32.lt_u (local.get $jb) (local.get $rowBytes)))))
            (call $expNegativeInPlace (i32.add (local.get $out) (local.get $row)) (i32.shr_u (i32.add (local.get $cols) (i32.const 3)) (i32.const 2)))
            (local.set $sum (v128.const f32x4 0 0 0 0))
            (local.set $total (f32.const 0))
            (local.set $jb (i32.const 0))
            (block $d2s (br_if $d2s (i32.ge_u (local.get $jb) (local.get $cols4)))
              (loop $l2s
                (local.set $sum (f32x4.add (local.get $sum) (v128.load (i32.add (local.get $out) (i32.add (local.get $row) (local.get $jb))))))
                (local.set $jb (i32.add (local.get $jb) (i32.const 16)))
                (br_if $l2s (i32.lt_u (local.get $jb) (local.get $cols4)))))
            (block $d2st (br_if $d2st (i32.ge_u (local.get $jb) (local.get $rowBytes)))
              (loop $l2st
                (local.set $total (f32.add (local.get $total) (f32.load (i32.add (local.get $out) (i32.add (local.get $row) (local.get $jb))))))
                (local.set $jb (i32.add (local.get $jb) (i32.const 4)))
                (br_if $l2st (i32.lt_u (local.get $jb) (local.get $rowBytes)))))
            ;; pass 3: out *= 1 / sum
            (local.set $total (f32.add (local.get $total) (f32.add
              (f32.add (f32x4.extract_lane 0 (local.get $sum)) (f32x4.extract_lane 1 (local.get $sum)))
              (f32.add (f32x4.extract_lane 2 (local.get $sum)) (f32x4.extract_lane 3 (local.get $sum))))))
            (if (local.get $stats)
              (then (f32.store offset=4 (i32.add (local.get $stats) (i32.shl (local.get $i) (i32.const 3))) (local.get $total))))
            (local.set $total (f32.div (f32.const 1) (local.get $total)))
            (local.set $m (f32x4.splat (local.get $total)))
            (local.set $jb (i32.const 0))
            (block $d3 (br_if $d3 (i32.ge_u (local.get $jb) (local.get $cols4)))
              (loop $l3
                (v128.store (i32.add (local.get $out) (i32.add (local.get $row) (local.get $jb)))
                  (f32x4.mul (v128.load (i32.add (local.get $out) (i32.add (local.get $row) (local.get $jb)))) (local.get $m)))
                (local.set $jb (i32.add (local.get $jb) (i32.const 16)))
                (br_if $l3 (i32.lt_u (local.get $jb) (local.get $cols4)))))
            (block $d3t (br_if $d3t (i32.ge_u (local.get $jb) (local.get $rowBytes)))
              (loop $l3t
                (f32.store (i32.add (local.get $out) (i32.add (local.get $row) (local.get $jb)))
                  (f32.mul (f32.load (i32.add (local.get $out) (i32.add (local.get $row) (local.get $jb)))) (local.get $total)))
                (local.set $jb (i32.add (local.get $jb) (i32.const 4)))
                (br_if $l3t (i32.lt_u (local.get $jb) (local.get $rowBytes)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $eachRow (i32.lt_u (local.get $i) (local.get $rows))))))

  ;; ---- layer normalisation by rows, in float64 ---- [docs: wasm-layer-norm]
  ;; The core's formulas (src/ops/layer-norm.ts) evaluated in float64 as the core does, two lanes per
  ;; instruction: each float32 vector of x is widened to two f64x2 (its low half by promote_low, its high
  ;; half shuffled low first), and results are narrowed back to float32 once (two demotes, one shuffle).
  ;; These are written out at each use rather than called: V8 does not inline WebAssembly calls. Only the
  ;; order of the row sums differs from the core's (two lanes and two halves, then the tail), so results
  ;; match the core's to float64 rounding before the one float32 rounding. Row statistics are f64 pairs [mean, rstd] at $stats + 16 r.

  ;; out = (x - mu) rstd weight + bias for each row of $cols floats, mu = mean(x), rstd = 1 / sqrt(var + eps).
  (func (export "layerNormForward") (param $x i32) (param $weight i32) (param $bias i32) (param $out i32) (param $stats i32)
                                    (param $rows i32) (param $cols i32) (param $eps f64)
    (local $rowBytes i32) (local $cols4 i32) (local $r i32) (local $row i32) (local $jb i32)
    (local $v v128) (local $lo v128) (local $hi v128) (local $a v128) (local $b v128) (local $vmu v128) (local $vrs v128)
    (local $mu f64) (local $var f64) (local $rs f64) (local $tail f64) (local $d f64)
    (if (i32.or (i32.eqz (local.get $rows)) (i32.eqz (local.get $cols))) (then (return)))
    (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $cols4 (i32.shl (i32.and (local.get $cols) (i32.const -4)) (i32.const 2)))
    (loop $eachRow
      (local.set $row (i32.mul (local.get $r) (local.get $rowBytes)))
      ;; mu = sum(x) / cols
      (local.set $a (v128.const f64x2 0 0))
      (local.set $b (v128.const f64x2 0 0))
      (local.set $tail (f64.const 0))
      (local.set $jb (i32.const 0))
      (block $d1 (br_if $d1 (i32.ge_u (local.get $jb) (local.get $cols4)))
        (loop $l1
          (local.set $v (v128.load (i32.add (local.get $x) (i32.add (local.get $row) (local.get $jb)))))
          (local.set $a (f64x2.add (local.get $a) (f64x2.promote_low_f32x4 (local.get $v))))
          (local.set $b (f64x2.add (local.get $b) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
          (local.set $jb (i32.add (local.get $jb) (i32.const 16)))
          (br_if $l1 (i32.lt_u (local.get $jb) (local.get $cols4)))))
      (block $d1t (br_if $d1t (i32.ge_u (local.get $jb) (local.get $rowBytes)))
        (loop $l1t
          (local.set $tail (f64.add (local.get $tail) (f64.promote_f32 (f32.load (i32.add (local.get $x) (i32.add (local.get $row) (local.get $jb)))))))
          (local.set $jb (i32.add (local.get $jb) (i32.const 4)))
          (br_if $l1t (i32.lt_u (local.get $jb) (local.get $rowBytes)))))
      (local.set $a (f64x2.add (local.get $a) (local.get $b)))
      (local.set $mu (f64.div
        (f64.add (f64.add (f64x2.extract_lane 0 (local.get $a)) (f64x2.extract_lane 1 (local.get $a))) (local.get $tail))
        (f64.convert_i32_u (local.get $cols))))
      (local.set $vmu (f64x2.splat (local.get $mu)))
      ;; var = sum((x - mu)^2) / cols
      (local.set $a (v128.const f64x2 0 0))
      (local.set $b (v128.const f64x2 0 0))
      (local.set $tail (f64.const 0))
      (local.set $jb (i32.const 0))
      (block $d2 (br_if $d2 (i32.ge_u (local.get $jb) (local.get $cols4)))
        (loop $l2
          (local.set $v (v128.load (i32.add (local.get $x) (i32.add (local.get $row) (local.get $jb)))))
          (local.set $lo (f64x2.sub (f64x2.promote_low_f32x4 (local.get $v)) (local.get $vmu)))
          (local.set $hi (f64x2.sub (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))) (local.get $vmu)))
          (local.set $a (f64x2.add (local.get $a) (f64x2.mul (local.get $lo) (local.get $lo))))
          (local.set $b (f64x2.add (local.get $b) (f64x2.mul (local.get $hi) (local.get $hi))))
          (local.set $jb (i32.add (local.get $jb) (i32.const 16)))
          (br_if $l2 (i32.lt_u (local.get $jb) (local.get $cols4)))))
      (block $d2t (br_if $d2t (i32.ge_u (local.get $jb) (local.get $rowBytes)))
        (loop $l2t
          (local.set $d (f64.sub (f64.promote_f32 (f32.load (i32.add (local.get $x) (i32.add (local.get $row) (local.get $jb))))) (local.get $mu)))
          (local.set $tail (f64.add (local.get $tail) (f64.mul (local.get $d) (local.get $d))))
          (local.set $jb (i32.add (local.get $jb) (i32.const 4)))
          (br_if $l2t (i32.lt_u (local.get $jb) (local.get $rowBytes)))))
      (local.set $a (f64x2.add (local.get $a) (local.get $b)))
      (local.set $var (f64.add (f64.add (f64x2.extract_lane 0 (local.get $a)) (f64x2.extract_lane 1 (local.get $a))) (local.get $tail)))
      (local.set $rs (f64.div (f64.const 1) (f64.sqrt (f64.add (f64.div (local.get $var) (f64.convert_i32_u (local.get $cols))) (local.get $eps)))))
      (f64.store (i32.add (local.get $stats) (i32.shl (local.get $r) (i32.const 4))) (local.get $mu))
      (f64.store offset=8 (i32.add (local.get $stats) (i32.shl (local.get $r) (i32.const 4))) (local.get $rs))
      (local.set $vrs (f64x2.splat (local.get $rs)))
      ;; out = ((x - mu) rstd) weight + bias, in the core's order
      (local.set $jb (i32.const 0))
      (block $d3 (br_if $d3 (i32.ge_u (local.get $jb) (local.get $cols4)))
        (loop $l3
          (local.set $v (v128.load (i32.add (local.get $x) (i32.add (local.get $row) (local.get $jb)))))
          (local.set $a (v128.load (i32.add (local.get $weight) (local.get $jb))))
          (local.set $b (v128.load (i32.add (local.get $bias) (local.get $jb))))
          (local.set $lo (f64x2.add
            (f64x2.mul (f64x2.mul (f64x2.sub (f64x2.promote_low_f32x4 (local.get $v)) (local.get $vmu)) (local.get $vrs)) (f64x2.promote_low_f32x4 (local.get $a)))
            (f64x2.promote_low_f32x4 (local.get $b))))
          (local.set $hi (f64x2.add
            (f64x2.mul (f64x2.mul (f64x2.sub (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))) (local.get $vmu)) (local.get $vrs)) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $a) (local.get $a))))
            (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $b) (local.get $b)))))
          (v128.store (i32.add (local.get $out) (i32.add (local.get $row) (local.get $jb))) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (f32x4.demote_f64x2_zero (local.get $lo)) (f32x4.demote_f64x2_zero (local.get $hi))))
          (local.set $jb (i32.add (local.get $jb) (i32.const 16)))
          (br_if $l3 (i32.lt_u (local.get $jb) (local.get $cols4)))))
      (block $d3t (br_if $d3t (i32.ge_u (local.get $jb) (local.get $rowBytes)))
        (loop $l3t
          (f32.store (i32.add (local.get $out) (i32.add (local.get $row) (local.get $jb)))
            (f32.demote_f64 (f64.add
              (f64.mul (f64.mul (f64.sub (f64.promote_f32 (f32.load (i32.add (local.get $x) (i32.add (local.get $row) (local.get $jb))))) (local.get $mu)) (local.get $rs))
                (f64.promote_f32 (f32.load (i32.add (local.get $weight) (local.get $jb)))))
              (f64.promote_f32 (f32.load (i32.add (local.get $bias) (local.get $jb)))))))
          (local.set $jb (i32.add (local.get $jb) (i32.const 4)))
          (br_if $l3t (i32.lt_u (local.get $jb) (local.get $rowBytes)))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br_if $eachRow (i32.lt_u (local.get $r) (local.get $rows)))))

  ;; For each row, with xhat = (x - mu) rstd and d = g weight (g = $gradOut):
  ;;   gradX = rstd (d - mean(d) - xhat mean(d xhat)),  gradWeight += g xhat,  gradBias += g,
  ;; gradWeight and gradBias being float64 arrays of $cols (added to, row after row as in the core).
  (func (export "layerNormBackward") (param $x i32) (param $weight i32) (param $gradOut i32) (param $stats i32) (param $gradX i32)
                                     (param $gradWeight i32) (param $gradBias i32) (param $rows i32) (param $cols i32)
    (local $rowBytes i32) (local $cols4 i32) (local $r i32) (local $row i32) (local $jb i32) (local $jd i32)
    (local $v v128) (local $g v128) (local $w v128) (local $glo v128) (local $ghi v128) (local $xlo v128) (local $xhi v128)
    (local $dlo v128) (local $dhi v128) (local $sumD v128) (local $sumDX v128) (local $vmu v128) (local $vrs v128)
    (local $vmeanD v128) (local $vmeanDX v128)
    (local $mu f64) (local $rs f64) (local $meanD f64) (local $meanDX f64) (local $gs f64) (local $xs f64) (local $ds f64)
    (if (i32.or (i32.eqz (local.get $rows)) (i32.eqz (local.get $cols))) (then (return)))
    (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $cols4 (i32.shl (i32.and (local.get $cols) (i32.const -4)) (i32.const 2)))
    (loop $eachRow
      (local.set $row (i32.mul (local.get $r) (local.get $rowBytes)))
      (local.set $mu (f64.load (i32.add (local.get $stats) (i32.shl (local.get $r) (i32.const 4)))))
      (local.set $rs (f64.load offset=8 (i32.add (local.get $stats) (i32.shl (local.get $r) (i32.const 4)))))
      (local.set $vmu (f64x2.splat (local.get $mu)))
      (local.set $vrs (f64x2.splat (local.get $rs)))
      ;; pass 1: sums of d and d xhat; gradWeight += g xhat, gradBias += g ($jd: the float64 arrays' byte offset)
      (local.set $sumD (v128.const f64x2 0 0))
      (local.set $sumDX (v128.const f64x2 0 0))
      (local.set $meanD (f64.const 0))
      (local.set $meanDX (f64.const 0))
      (local.set $jb (i32.const 0))
      (block $d1 (br_if $d1 (i32.ge_u (local.get $jb) (local.get $cols4)))
        (loop $l1
          (local.set $jd (i32.shl (local.get $jb) (i32.const 1)))
          (local.set $v (v128.load (i32.add (local.get $x) (i32.add (local.get $row) (local.get $jb)))))
          (local.set $g (v128.load (i32.add (local.get $gradOut) (i32.add (local.get $row) (local.get $jb)))))
          (local.set $w (v128.load (i32.add (local.get $weight) (local.get $jb))))
          (local.set $glo (f64x2.promote_low_f32x4 (local.get $g)))
          (local.set $ghi (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $g) (local.get $g))))
          (local.set $xlo (f64x2.mul (f64x2.sub (f64x2.promote_low_f32x4 (local.get $v)) (local.get $vmu)) (local.get $vrs)))
          (local.set $xhi (f64x2.mul (f64x2.sub (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))) (local.get $vmu)) (local.get $vrs)))
          (local.set $dlo (f64x2.mul (local.get $glo) (f64x2.promote_low_f32x4 (local.get $w))))
          (local.set $dhi (f64x2.mul (local.get $ghi) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $w) (local.get $w)))))
          (local.set $sumD (f64x2.add (local.get $sumD) (f64x2.add (local.get $dlo) (local.get $dhi))))
          (local.set $sumDX (f64x2.add (local.get $sumDX)
            (f64x2.add (f64x2.mul (local.get $dlo) (local.get $xlo)) (f64x2.mul (local.get $dhi) (local.get $xhi)))))
          (v128.store (i32.add (local.get $gradWeight) (local.get $jd))
            (f64x2.add (v128.load (i32.add (local.get $gradWeight) (local.get $jd))) (f64x2.mul (local.get $glo) (local.get $xlo))))
          (v128.store offset=16 (i32.add (local.get $gradWeight) (local.get $jd))
            (f64x2.add (v128.load offset=16 (i32.add (local.get $gradWeight) (local.get $jd))) (f64x2.mul (local.get $ghi) (local.get $xhi))))
          (v128.store (i32.add (local.get $gradBias) (local.get $jd))
            (f64x2.add (v128.load (i32.add (local.get $gradBias) (local.get $jd))) (local.get $glo)))
          (v128.store offset=16 (i32.add (local.get $gradBias) (local.get $jd))
            (f64x2.add (v128.load offset=16 (i32.add (local.get $gradBias) (local.get $jd))) (local.get $ghi)))
          (local.set $jb (i32.add (local.get $jb) (i32.const 16)))
          (br_if $l1 (i32.lt_u (local.get $jb) (local.get $cols4)))))
      (block $d1t (br_if $d1t (i32.ge_u (local.get $jb) (local.get $rowBytes)))
        (loop $l1t
          (local.set $jd (i32.shl (local.get $jb) (i32.const 1)))
          (local.set $gs (f64.promote_f32 (f32.load (i32.add (local.get $gradOut) (i32.add (local.get $row) (local.get $jb))))))
          (local.set $xs (f64.mul (f64.sub (f64.promote_f32 (f32.load (i32.add (local.get $x) (i32.add (local.get $row) (local.get $jb))))) (local.get $mu)) (local.get $rs)))
          (local.set $ds (f64.mul (local.get $gs) (f64.promote_f32 (f32.load (i32.add (local.get $weight) (local.get $jb))))))
          (local.set $meanD (f64.add (local.get $meanD) (local.get $ds)))
          (local.set $meanDX (f64.add (local.get $meanDX) (f64.mul (local.get $ds) (local.get $xs))))
          (f64.store (i32.add (local.get $gradWeight) (local.get $jd))
            (f64.add (f64.load (i32.add (local.get $gradWeight) (local.get $jd))) (f64.mul (local.get $gs) (local.get $xs))))
          (f64.store (i32.add (local.get $gradBias) (local.get $jd))
            (f64.add (f64.load (i32.add (local.get $gradBias) (local.get $jd))) (local.get $gs)))
          (local.set $jb (i32.add (local.get $jb) (i32.const 4)))
          (br_if $l1t (i32.lt_u (local.get $jb) (local.get $rowBytes)))))
      (local.set $meanD (f64.div
        (f64.add (f64.add (f64x2.extract_lane 0 (local.get $sumD)) (f64x2.extract_lane 1 (local.get $sumD))) (local.get $meanD))
        (f64.convert_i32_u (local.get $cols))))
      (local.set $meanDX (f64.div
        (f64.add (f64.add (f64x2.extract_lane 0 (local.get $sumDX)) (f64x2.extract_lane 1 (local.get $sumDX))) (local.get $meanDX))
        (f64.convert_i32_u (local.get $cols))))
      (local.set $vmeanD (f64x2.splat (local.get $meanD)))
      (local.set $vmeanDX (f64x2.splat (local.get $meanDX)))
      ;; pass 2: gradX = rstd (g weight - mean(d) - xhat mean(d xhat)), in the core's order
      (local.set $jb (i32.const 0))
      (block $d2 (br_if $d2 (i32.ge_u (local.get $jb) (local.get $cols4)))
        (loop $l2
          (local.set $v (v128.load (i32.add (local.get $x) (i32.add (local.get $row) (local.get $jb)))))
          (local.set $g (v128.load (i32.add (local.get $gradOut) (i32.add (local.get $row) (local.get $jb)))))
          (local.set $w (v128.load (i32.add (local.get $weight) (local.get $jb))))
          (local.set $xlo (f64x2.mul (f64x2.sub (f64x2.promote_low_f32x4 (local.get $v)) (local.get $vmu)) (local.get $vrs)))
          (local.set $xhi (f64x2.mul (f64x2.sub (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))) (local.get $vmu)) (local.get $vrs)))
          (local.set $dlo (f64x2.mul (local.get $vrs) (f64x2.sub (f64x2.sub
            (f64x2.mul (f64x2.promote_low_f32x4 (local.get $g)) (f64x2.promote_low_f32x4 (local.get $w))) (local.get $vmeanD))
            (f64x2.mul (local.get $xlo) (local.get $vmeanDX)))))
          (local.set $dhi (f64x2.mul (local.get $vrs) (f64x2.sub (f64x2.sub
            (f64x2.mul (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $g) (local.get $g))) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $w) (local.get $w)))) (local.get $vmeanD))
            (f64x2.mul (local.get $xhi) (local.get $vmeanDX)))))
          (v128.store (i32.add (local.get $gradX) (i32.add (local.get $row) (local.get $jb))) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (f32x4.demote_f64x2_zero (local.get $dlo)) (f32x4.demote_f64x2_zero (local.get $dhi))))
          (local.set $jb (i32.add (local.get $jb) (i32.const 16)))
          (br_if $l2 (i32.lt_u (local.get $jb) (local.get $cols4)))))
      (block $d2t (br_if $d2t (i32.ge_u (local.get $jb) (local.get $rowBytes)))
        (loop $l2t
          (local.set $xs (f64.mul (f64.sub (f64.promote_f32 (f32.load (i32.add (local.get $x) (i32.add (local.get $row) (local.get $jb))))) (local.get $mu)) (local.get $rs)))
          (f32.store (i32.add (local.get $gradX) (i32.add (local.get $row) (local.get $jb)))
            (f32.demote_f64 (f64.mul (local.get $rs) (f64.sub (f64.sub
              (f64.mul (f64.promote_f32 (f32.load (i32.add (local.get $gradOut) (i32.add (local.get $row) (local.get $jb)))))
                (f64.promote_f32 (f32.load (i32.add (local.get $weight) (local.get $jb)))))
              (local.get $meanD))
              (f64.mul (local.get $xs) (local.get $meanDX))))))
          (local.set $jb (i32.add (local.get $jb) (i32.const 4)))
          (br_if $l2t (i32.lt_u (local.get $jb) (local.get $rowBytes)))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br_if $eachRow (i32.lt_u (local.get $r) (local.get $rows)))))

  ;; ---- elementwise arithmetic and column sums ---- [docs: wasm-arithmetic]
  ;; out = a op b for $rows rows of $cols floats, b read at the same position ($bRowStride = cols: a and b
  ;; of one shape) or the same row for every row ($bRowStride = 0: a bias row); op 0 add, 1 sub, 2 mul,
  ;; 3 div. Each result is the float32 rounding of the exact one, as in the core's loops (which compute in
  ;; float64 and round once: the same value for these four operations on float32 operands).
  (func (export "binaryRows") (param $op i32) (param $a i32) (param $b i32) (param $bRowStride i32) (param $out i32)
                              (param $rows i32) (param $cols i32)
    (local $rowBytes i32) (local $cols4 i32) (local $r i32) (local $row i32) (local $brow i32) (local $jb i32)
    (local $x v128) (local $y v128) (local $v v128) (local $xs f32) (local $ys f32) (local $vs f32)
    (if (i32.or (i32.eqz (local.get $rows)) (i32.eqz (local.get $cols))) (then (return)))
    (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $cols4 (i32.shl (i32.and (local.get $cols) (i32.const -4)) (i32.const 2)))
    (loop $eachRow
      (local.set $row (i32.mul (local.get $r) (local.get $rowBytes)))
      (local.set $brow (i32.mul (local.get $r) (i32.shl (local.get $bRowStride) (i32.const 2))))
      (local.set $jb (i32.const 0))
      (block $dv (br_if $dv (i32.ge_u (local.get $jb) (local.get $cols4)))
        (loop $lv
          (local.set $x (v128.load (i32.add (local.get $a) (i32.add (local.get $row) (local.get $jb)))))
          (local.set $y (v128.load (i32.add (local.get $b) (i32.add (local.get $brow) (local.get $jb)))))
          (if (i32.eqz (local.get $op)) (then (local.set $v (f32x4.add (local.get $x) (local.get $y))))
            (else (if (i32.eq (local.get $op) (i32.const 1)) (then (local.set $v (f32x4.sub (local.get $x) (local.get $y))))
              (else (if (i32.eq (local.get $op) (i32.const 2)) (then (local.set $v (f32x4.mul (local.get $x) (local.get $y))))
                (else (local.set $v (f32x4.div (local.get $x) (local.get $y)))))))))
          (v128.store (i32.add (local.get $out) (i32.add (local.get $row) (local.get $jb))) (local.get $v))
          (local.set $jb (i32.add (local.get $jb) (i32.const 16)))
          (br_if $lv (i32.lt_u (local.get $jb) (local.get $cols4)))))
      (block $dt (br_if $dt (i32.ge_u (local.get $jb) (local.get $rowBytes)))
        (loop $lt
          (local.set $xs (f32.load (i32.add (local.get $a) (i32.add (local.get $row) (local.get $jb)))))
          (local.set $ys (f32.load (i32.add (local.get $b) (i32.add (local.get $brow) (local.get $jb)))))
          (if (i32.eqz (local.get $op)) (then (local.set $vs (f32.add (local.get $xs) (local.get $ys))))
            (else (if (i32.eq (local.get $op) (i32.const 1)) (then (local.set $vs (f32.sub (local.get $xs) (local.get $ys))))
              (else (if (i32.eq (local.get $op) (i32.const 2)) (then (local.set $vs (f32.mul (local.get $xs) (local.get $ys))))
                (else (local.set $vs (f32.div (local.get $xs) (local.get $ys)))))))))
          (f32.store (i32.add (local.get $out) (i32.add (local.get $row) (local.get $jb))) (local.get $vs))
          (local.set $jb (i32.add (local.get $jb) (i32.const 4)))
          (br_if $lt (i32.lt_u (local.get $jb) (local.get $rowBytes)))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br_if $eachRow (i32.lt_u (local.get $r) (local.get $rows)))))

  ;; out[j] += x[r, j] for r = 0 .. $rows - 1 in order, j < $cols: the column sums of x (a bias's gradient)
  ;; with each addition rounded to float32, as in the core's loop.
  (func (export "columnSums") (param $x i32) (param $out i32) (param $rows i32) (param $cols i32)
    (local $rowBytes i32) (local $cols4 i32) (local $r i32) (local $row i32) (local $jb i32)
    (if (i32.or (i32.eqz (local.get $rows)) (i32.eqz (local.get $cols))) (then (return)))
    (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $cols4 (i32.shl (i32.and (local.get $cols) (i32.const -4)) (i32.const 2)))
    (loop $eachRow
      (local.set $row (i32.mul (local.get $r) (local.get $rowBytes)))
      (local.set $jb (i32.const 0))
      (block $dv (br_if $dv (i32.ge_u (local.get $jb) (local.get $cols4)))
        (loop $lv
          (v128.store (i32.add (local.get $out) (local.get $jb))
            (f32x4.add (v128.load (i32.add (local.get $out) (local.get $jb)))
              (v128.load (i32.add (local.get $x) (i32.add (local.get $row) (local.get $jb))))))
          (local.set $jb (i32.add (local.get $jb) (i32.const 16)))
          (br_if $lv (i32.lt_u (local.get $jb) (local.get $cols4)))))
      (block $dt (br_if $dt (i32.ge_u (local.get $jb) (local.get $rowBytes)))
        (loop $lt
          (f32.store (i32.add (local.get $out) (local.get $jb))
            (f32.add (f32.load (i32.add (local.get $out) (local.get $jb)))
              (f32.load (i32.add (local.get $x) (i32.add (local.get $row) (local.get $jb))))))
          (local.set $jb (i32.add (local.get $jb) (i32.const 4)))
          (br_if $lt (i32.lt_u (local.get $jb) (local.get $rowBytes)))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br_if $eachRow (i32.lt_u (local.get $r) (local.get $rows)))))

  ;; ---- permute: runs of the last dimension ---- [docs: wasm-permute]
  ;; out = x with its dimensions reordered, when the output's last dimension is contiguous in x (stride 1):
  ;; out is $runs runs of $inner floats one after another, run k read from x at the offset an odometer over
  ;; the output's leading $lead dimensions gives (sizes at $sizes, x's strides in floats at $strides, i32
  ;; each; the last dimension counts fastest), and each run is one memory.copy. $counter holds $lead i32s
  ;; of scratch, zero on entry.
  (func (export "permuteRuns") (param $x i32) (param $out i32) (param $runs i32) (param $inner i32) (param $lead i32)
                               (param $sizes i32) (param $strides i32) (param $counter i32)
    (local $k i32) (local $off i32) (local $runBytes i32) (local $d i32) (local $at i32) (local $count i32) (local $stride i32)
    (if (i32.or (i32.eqz (local.get $runs)) (i32.eqz (local.get $inner))) (then (return)))
    (local.set $runBytes (i32.shl (local.get $inner) (i32.const 2)))
    (loop $eachRun
      (memory.copy (i32.add (local.get $out) (i32.mul (local.get $k) (local.get $runBytes)))
        (i32.add (local.get $x) (i32.shl (local.get $off) (i32.const 2))) (local.get $runBytes))
      ;; advance the odometer: the last leading dimension first, carrying into the ones before it
      (local.set $d (local.get $lead))
      (block $carried
        (loop $carry
          (br_if $carried (i32.eqz (local.get $d)))
          (local.set $d (i32.sub (local.get $d) (i32.const 1)))
          (local.set $at (i32.add (local.get $counter) (i32.shl (local.get $d) (i32.const 2))))
          (local.set $stride (i32.load (i32.add (local.get $strides) (i32.shl (local.get $d) (i32.const 2)))))
          (local.set $count (i32.add (i32.load (local.get $at)) (i32.const 1)))
          (local.set $off (i32.add (local.get $off) (local.get $stride)))
          (if (i32.lt_u (local.get $count) (i32.load (i32.add (local.get $sizes) (i32.shl (local.get $d) (i32.const 2)))))
            (then (i32.store (local.get $at) (local.get $count)) (br $carried)))
          (local.set $off (i32.sub (local.get $off) (i32.mul (local.get $stride) (local.get $count))))
          (i32.store (local.get $at) (i32.const 0))
          (br $carry)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $eachRun (i32.lt_u (local.get $k) (local.get $runs)))))

  ;; ---- dropout's stream mask ---- [docs: wasm-dropout-stream]
  ;; For i < $n: draw the next word w of the xoshiro128** stream whose state starts as $s0..$s3 (the core's
  ;; src/tensor/xoshiro128.ts, step by step: output rotl(s1 5, 7) 9, then t = s1 << 9, s2 ^= s0, s3 ^= s1,
  ;; s1 ^= s2, s0 ^= s3, s2 ^= t, s3 = rotl(s3, 11)); where w >= $threshold, mask[i] = keepScale and out[i] = x[i] keepScale (in float64, rounded once to
  ;; float32, as the core's loop); else both 0. Chosen with select, not a branch: a branch would be
  ;; mispredicted at each dropped element. $threshold is the core's p 2^32 rounded up to a whole number
  ;; (dropout.ts): for a whole w, w >= p 2^32 exactly when w >= ceil(p 2^32), compared as unsigned.
  (func (export "dropoutStream") (param $x i32) (param $mask i32) (param $out i32) (param $n i32)
                                 (param $s0 i32) (param $s1 i32) (param $s2 i32) (param $s3 i32)
                                 (param $threshold i32) (param $keepScale f64)
    (local $end i32) (local $m i32) (local $w i32) (local $t i32) (local $keep i32) (local $scale32 f32)
    (if (i32.eqz (local.get $n)) (then (return)))
    (local.set $scale32 (f32.demote_f64 (local.get $keepScale)))
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (loop $each
      (local.set $m (i32.mul (local.get $s1) (i32.const 5)))
      (local.set $w (i32.mul (i32.rotl (local.get $m) (i32.const 7)) (i32.const 9)))
      (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
      (local.set $s2 (i32.xor (local.get $s2) (local.get $s0)))
      (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
      (local.set $s1 (i32.xor (local.get $s1) (local.get $s2)))
      (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
      (local.set $s2 (i32.xor (local.get $s2) (local.get $t)))
      (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
      (local.set $keep (i32.ge_u (local.get $w) (local.get $threshold)))
      (f32.store (local.get $mask) (select (local.get $scale32) (f32.const 0) (local.get $keep)))
      (f32.store (local.get $out)
        (select (f32.demote_f64 (f64.mul (f64.promote_f32 (f32.load (local.get $x))) (local.get $keepScale))) (f32.const 0) (local.get $keep)))
      (local.set $x (i32.add (local.get $x) (i32.const 4)))
      (local.set $mask (i32.add (local.get $mask) (i32.const 4)))
      (local.set $out (i32.add (local.get $out) (i32.const 4)))
      (br_if $each (i32.lt_u (local.get $x) (local.get $end)))))
)
