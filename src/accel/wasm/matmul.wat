;; The wasm backend's matmul kernel: C += Ap . Bp on packed panels, with 128-bit SIMD (f32x4).
;;
;; Compiled to src/accel/wasm/matmul-wasm.ts by `npx tsx scripts/build-wasm.ts` (see docs/wasm-kernel.md).
;;
;; Layout (the JavaScript side, pack.ts, writes the panels; every address is in bytes):
;;   Ap  the rows of A in panels of 4:     Ap[ip][p][r]  = A[4 ip + r, p]      (mPanels x k x 4 floats)
;;   Bp  the columns of B in panels of 8:  Bp[jp][p][c]  = B[p, 8 jp + c]      (nPanels x k x 8 floats)
;;   C   row-major [4 mPanels, 8 nPanels], row stride ldc = 32 nPanels bytes   (written, not read first)
;; Rows and columns past m and n are zero padding, so every tile is a whole 4x8 tile and there is no edge
;; code; the caller copies the valid [m, n] corner of C out.
;;
;; The formula: C[i, j] = sum_p A[i, p] B[p, j]. A 4x8 tile of C lives in 8 v128 registers (4 rows x 2 halves
;; of 4 columns) while p runs: each step loads 8 values of B (two v128), broadcasts each of the 4 values of A
;; to a v128 (v128.load32_splat), and does 8 multiplies and 8 adds of 4 lanes (64 flops for 6 loads).
;; x86-64 has 16 SIMD registers: 8 accumulators + 2 of B + 1 of A fit without spilling.
;;
;; Blocking: p runs in blocks of KC = 256 (an A panel block is 4 KiB, a B panel block 8 KiB, both L1-sized),
;; and within a block the B panels are taken NCP = 16 at a time (128 KiB, L2-resident) while every row panel
;; of A passes over them. Each C[i, j] is summed in the same order however the row panels are shared out
;; between calls (p blocks in order, p in order within a block), so threads that split the rows of C give
;; bit-identical results.
(module
  ;; One memory shared with the JavaScript side (and with the worker threads: hence `shared`, which needs a
  ;; maximum; 32768 pages of 64 KiB = 2 GiB).
  (import "env" "memory" (memory 1 32768 shared))

  ;; One 4x8 tile: C[4 x 8 at $c] = (first ? 0 : C) + Ap[panel at $a, kc steps] . Bp[panel at $b, kc steps].
  ;; $a, $b point at step p0 of their panels; $ldc is C's row stride in bytes; $kc >= 1; $first is 1 for the
  ;; first block of p (C is then written without being read, so it needs no zeroing beforehand).
  (func $tile (param $a i32) (param $b i32) (param $c i32) (param $kc i32) (param $ldc i32) (param $first i32)
    (local $end i32)
    (local $b0 v128) (local $b1 v128) (local $x v128) (local $row i32)
    ;; accumulators: $cR0 holds C[row R, cols 0..3], $cR1 holds C[row R, cols 4..7]
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    ;; $end = $a + 16 kc: the A panel advances 4 floats (16 bytes) per step of p
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $kc) (i32.const 4))))
    ;; later blocks of p continue the sums already in C: start the accumulators from it (locals start at 0)
    (if (i32.eqz (local.get $first))
      (then
        (local.set $row (local.get $c))
        (local.set $c00 (v128.load offset=0 (local.get $row)))
        (local.set $c01 (v128.load offset=16 (local.get $row)))
        (local.set $row (i32.add (local.get $row) (local.get $ldc)))
        (local.set $c10 (v128.load offset=0 (local.get $row)))
        (local.set $c11 (v128.load offset=16 (local.get $row)))
        (local.set $row (i32.add (local.get $row) (local.get $ldc)))
        (local.set $c20 (v128.load offset=0 (local.get $row)))
        (local.set $c21 (v128.load offset=16 (local.get $row)))
        (local.set $row (i32.add (local.get $row) (local.get $ldc)))
        (local.set $c30 (v128.load offset=0 (local.get $row)))
        (local.set $c31 (v128.load offset=16 (local.get $row)))))
    ;; [docs: wasm-tile] Each step of p: two loads of B, then per row of A one splat, 2 multiplies and 2 adds.
    (loop $steps
      ;; B[p, 0..7]
      (local.set $b0 (v128.load offset=0 (local.get $b)))
      (local.set $b1 (v128.load offset=16 (local.get $b)))
      ;; row 0: c0* += A[0, p] * B[p, 0..7]
      (local.set $x (v128.load32_splat offset=0 (local.get $a)))
      (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $x) (local.get $b1))))
      ;; row 1
      (local.set $x (v128.load32_splat offset=4 (local.get $a)))
      (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $x) (local.get $b1))))
      ;; row 2
      (local.set $x (v128.load32_splat offset=8 (local.get $a)))
      (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $x) (local.get $b1))))
      ;; row 3
      (local.set $x (v128.load32_splat offset=12 (local.get $a)))
      (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $x) (local.get $b1))))
      ;; next p
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 32)))
      (br_if $steps (i32.lt_u (local.get $a) (local.get $end))))
    ;; C[row R, 0..7] = the accumulators, row by row
    (v128.store offset=0 (local.get $c) (local.get $c00))
    (v128.store offset=16 (local.get $c) (local.get $c01))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store offset=0 (local.get $c) (local.get $c10))
    (v128.store offset=16 (local.get $c) (local.get $c11))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store offset=0 (local.get $c) (local.get $c20))
    (v128.store offset=16 (local.get $c) (local.get $c21))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store offset=0 (local.get $c) (local.get $c30))
    (v128.store offset=16 (local.get $c) (local.get $c31)))

  ;; gemm: C[rows of panels ip0..ip1-1] = Ap . Bp over the whole depth k (see the layout above).
  ;;   $ap, $bp, $cp   byte addresses of Ap, Bp and C (16-byte aligned)
  ;;   $k              depth (>= 1)
  ;;   $nPanels        column panels of B (C has 8 nPanels columns)
  ;;   $ip0, $ip1      the row panels to compute, 0 <= ip0 < ip1 <= mPanels
  (func $gemm (export "gemm") (param $ap i32) (param $bp i32) (param $cp i32) (param $k i32) (param $nPanels i32)
                        (param $ip0 i32) (param $ip1 i32)
    (local $p0 i32) (local $kc i32) (local $jc i32) (local $jcEnd i32) (local $ip i32) (local $jp i32)
    (local $ldc i32) (local $aPanel i32) (local $cRow i32)
    (local.set $ldc (i32.shl (local.get $nPanels) (i32.const 5)))         ;; 8 floats x 4 bytes per panel
    (local.set $p0 (i32.const 0))
    (loop $pBlocks                                                        ;; for p0 = 0, 256, ... < k
      (local.set $kc (i32.sub (local.get $k) (local.get $p0)))            ;; kc = min(256, k - p0)
      (if (i32.gt_u (local.get $kc) (i32.const 256)) (then (local.set $kc (i32.const 256))))
      (local.set $jc (i32.const 0))
      (loop $jGroups                                                      ;; for jc = 0, 16, ... < nPanels
        (local.set $jcEnd (i32.add (local.get $jc) (i32.const 16)))
        (if (i32.gt_u (local.get $jcEnd) (local.get $nPanels)) (then (local.set $jcEnd (local.get $nPanels))))
        (local.set $ip (local.get $ip0))
        (loop $rowPanels                                                  ;; for ip = ip0 .. ip1-1
          ;; aPanel = ap + (ip k + p0) * 16: row panel ip, step p0
          (local.set $aPanel (i32.add (local.get $ap)
            (i32.shl (i32.add (i32.mul (local.get $ip) (local.get $k)) (local.get $p0)) (i32.const 4))))
          ;; cRow = cp + 4 ip ldc: the first of the panel's 4 rows of C
          (local.set $cRow (i32.add (local.get $cp) (i32.mul (i32.shl (local.get $ip) (i32.const 2)) (local.get $ldc))))
          (local.set $jp (local.get $jc))
          (loop $colPanels                                                ;; for jp = jc .. jcEnd-1
            (call $tile
              (local.get $aPanel)
              ;; bp + (jp k + p0) * 32: column panel jp, step p0
              (i32.add (local.get $bp)
                (i32.shl (i32.add (i32.mul (local.get $jp) (local.get $k)) (local.get $p0)) (i32.const 5)))
              ;; cRow + 32 jp: columns 8 jp .. 8 jp + 7
              (i32.add (local.get $cRow) (i32.shl (local.get $jp) (i32.const 5)))
              (local.get $kc)
              (local.get $ldc)
              (i32.eqz (local.get $p0)))
            (local.set $jp (i32.add (local.get $jp) (i32.const 1)))
            (br_if $colPanels (i32.lt_u (local.get $jp) (local.get $jcEnd))))
          (local.set $ip (i32.add (local.get $ip) (i32.const 1)))
          (br_if $rowPanels (i32.lt_u (local.get $ip) (local.get $ip1))))
        (local.set $jc (local.get $jcEnd))
        (br_if $jGroups (i32.lt_u (local.get $jc) (local.get $nPanels))))
      (local.set $p0 (i32.add (local.get $p0) (i32.const 256)))
      (br_if $pBlocks (i32.lt_u (local.get $p0) (local.get $k)))))

  ;; ---- Packing operands in wasm memory ---- [docs: wasm-pack-transposed]
  ;; The operand is first copied as it is stored into wasm memory at $src (one memcpy, matmul.ts); these two
  ;; functions then write the panels of pack.ts's layout at $dst, for the full panels ($panels of them;
  ;; pack.ts's loops do a last, partial one). $width is the panel width: 4 for A, 8 for B.
  ;;
  ;; packInterleaved: panels that interleave $width stored rows of length $k (A stored [m, k]; B stored
  ;; [n, k], a Linear layer's weight): P[jp][p][c] = S[width jp + c, p]. For each block of 4 rows it reads 4
  ;; floats (p .. p+3) of each row, transposes the 4x4 block in registers (two rounds of shuffles: pairs of
  ;; rows interleaved, then pairs of pairs) and stores depths p .. p+3. A depth k not divisible by 4 ends
  ;; with single floats.
  (func $packInterleaved (export "packInterleaved") (param $src i32) (param $dst i32) (param $k i32) (param $panels i32) (param $width i32)
    (local $rowBytes i32) (local $stepBytes i32) (local $panelBytes i32) (local $k4 i32) (local $jp i32) (local $block i32)
    (local $p i32) (local $s i32) (local $d i32) (local $r i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $rowBytes (i32.shl (local.get $k) (i32.const 2)))
    (local.set $stepBytes (i32.shl (local.get $width) (i32.const 2)))
    (local.set $panelBytes (i32.mul (local.get $width) (local.get $rowBytes)))
    (local.set $k4 (i32.and (local.get $k) (i32.const -4)))
    (if (i32.eqz (local.get $panels)) (then (return)))
    (loop $panel
      (local.set $block (i32.const 0))
      (loop $blocks
        ;; $s: row width jp + 4 block of S at depth p; $d: that row's slot in panel jp at depth p
        (local.set $s (i32.add (i32.add (local.get $src) (i32.mul (local.get $jp) (local.get $panelBytes)))
          (i32.mul (local.get $block) (i32.shl (local.get $rowBytes) (i32.const 2)))))
        (local.set $d (i32.add (i32.add (local.get $dst) (i32.mul (local.get $jp) (local.get $panelBytes)))
          (i32.shl (local.get $block) (i32.const 4))))
        (local.set $p (i32.const 0))
        (block $quadsDone
          (br_if $quadsDone (i32.eqz (local.get $k4)))
          (loop $quads
            ;; aR = S[row R of the block, p .. p+3]
            (local.set $a0 (v128.load (local.get $s)))
            (local.set $a1 (v128.load (i32.add (local.get $s) (local.get $rowBytes))))
            (local.set $a2 (v128.load (i32.add (local.get $s) (i32.shl (local.get $rowBytes) (i32.const 1)))))
            (local.set $a3 (v128.load (i32.add (local.get $s) (i32.mul (local.get $rowBytes) (i32.const 3)))))
            ;; round 1: rows interleaved in pairs: t0 = (a0[0], a1[0], a0[1], a1[1]), t2 = (a0[2], a1[2], a0[3], a1[3]), ...
            (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a0) (local.get $a1)))
            (local.set $t1 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a2) (local.get $a3)))
            (local.set $t2 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a0) (local.get $a1)))
            (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a2) (local.get $a3)))
            ;; round 2: (a0[q], a1[q], a2[q], a3[q]), the block's 4 rows at depth p + q, stored q steps on
            (v128.store (local.get $d) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t1)))
            (v128.store (i32.add (local.get $d) (local.get $stepBytes)) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t1)))
            (v128.store (i32.add (local.get $d) (i32.shl (local.get $stepBytes) (i32.const 1))) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t2) (local.get $t3)))
            (v128.store (i32.add (local.get $d) (i32.mul (local.get $stepBytes) (i32.const 3))) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t2) (local.get $t3)))
            (local.set $s (i32.add (local.get $s) (i32.const 16)))
            (local.set $d (i32.add (local.get $d) (i32.shl (local.get $stepBytes) (i32.const 2))))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (br_if $quads (i32.lt_u (local.get $p) (local.get $k4)))))
        ;; the last k mod 4 depths, one float per row
        (block $tailDone
          (br_if $tailDone (i32.ge_u (local.get $p) (local.get $k)))
          (loop $tail
            (local.set $r (i32.const 0))
            (loop $rows
              (f32.store (i32.add (local.get $d) (i32.shl (local.get $r) (i32.const 2)))
                (f32.load (i32.add (local.get $s) (i32.mul (local.get $r) (local.get $rowBytes)))))
              (local.set $r (i32.add (local.get $r) (i32.const 1)))
              (br_if $rows (i32.lt_u (local.get $r) (i32.const 4))))
            (local.set $s (i32.add (local.get $s) (i32.const 4)))
            (local.set $d (i32.add (local.get $d) (local.get $stepBytes)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br_if $tail (i32.lt_u (local.get $p) (local.get $k)))))
        (local.set $block (i32.add (local.get $block) (i32.const 1)))
        (br_if $blocks (i32.lt_u (i32.shl (local.get $block) (i32.const 2)) (local.get $width))))
      (local.set $jp (i32.add (local.get $jp) (i32.const 1)))
      (br_if $panel (i32.lt_u (local.get $jp) (local.get $panels)))))

  ;; packSlices: panels whose rows are already contiguous in the stored operand (A stored [k, m]; B stored
  ;; [k, n]): P[jp][p][c] = S[p, width jp + c], S's rows $rowFloats long. Each depth p of each panel is one
  ;; slice of $width floats (one or two v128). The depths go in blocks of 16: within a block, each panel's
  ;; 16 slices are written one after another (512 bytes for B, contiguous), and the block's 16 stored rows
  ;; stay in cache while every panel takes its slices from them. Going through the stored rows one at a
  ;; time instead would write each depth's slices into all panels at once: addresses 32 k bytes apart,
  ;; which with k a power of two (4,096 tokens) all fall in the same cache sets and evict each other (2-5x
  ;; slower, docs/wasm-kernel.md).
  (func (export "packSlices") (param $src i32) (param $dst i32) (param $k i32) (param $rowFloats i32) (param $panels i32) (param $width i32)
    (local $p0 i32) (local $pEnd i32) (local $p i32) (local $jp i32) (local $s i32) (local $d i32)
    (local $panelBytes i32) (local $stepBytes i32) (local $rowBytes i32)
    (local.set $stepBytes (i32.shl (local.get $width) (i32.const 2)))
    (local.set $panelBytes (i32.mul (local.get $stepBytes) (local.get $k)))
    (local.set $rowBytes (i32.shl (local.get $rowFloats) (i32.const 2)))
    (if (i32.or (i32.eqz (local.get $panels)) (i32.eqz (local.get $k))) (then (return)))
    (loop $blocks
      ;; depths p0 .. pEnd - 1, pEnd = min(p0 + 16, k)
      (local.set $pEnd (select (i32.add (local.get $p0) (i32.const 16)) (local.get $k)
        (i32.lt_u (i32.add (local.get $p0) (i32.const 16)) (local.get $k))))
      (local.set $jp (i32.const 0))
      (loop $slicesOfPanels
        ;; $s: S[p0, width jp]; $d: P[jp][p0]
        (local.set $s (i32.add (local.get $src)
          (i32.add (i32.mul (local.get $p0) (local.get $rowBytes)) (i32.mul (local.get $jp) (local.get $stepBytes)))))
        (local.set $d (i32.add (local.get $dst)
          (i32.add (i32.mul (local.get $jp) (local.get $panelBytes)) (i32.mul (local.get $p0) (local.get $stepBytes)))))
        (local.set $p (local.get $p0))
        (loop $depths
          (v128.store (local.get $d) (v128.load (local.get $s)))
          (if (i32.eq (local.get $width) (i32.const 8))
            (then (v128.store offset=16 (local.get $d) (v128.load offset=16 (local.get $s)))))
          (local.set $s (i32.add (local.get $s) (local.get $rowBytes)))
          (local.set $d (i32.add (local.get $d) (local.get $stepBytes)))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br_if $depths (i32.lt_u (local.get $p) (local.get $pEnd))))
        (local.set $jp (i32.add (local.get $jp) (i32.const 1)))
        (br_if $slicesOfPanels (i32.lt_u (local.get $jp) (local.get $panels))))
      (local.set $p0 (local.get $pEnd))
      (br_if $blocks (i32.lt_u (local.get $p0) (local.get $k)))))

  ;; ---- Sharing one product between threads (threads-node.ts, threads-browser.ts) ---- [docs: wasm-run-chunks]
  ;; The rows of each C matrix are cut into chunks of whole row panels; the main thread and the workers all
  ;; call runChunks, which claims chunks one at a time from a shared counter until none are left. Each C
  ;; element is computed by exactly one thread, by the same gemm, so results do not depend on the split.
  ;;
  ;; Control block, i32 words at address 0 (written by threads-*.ts before it starts a job):
  ;;   [0] GEN      job number (the workers sleep on it)      [1] COUNTER  (tag << 16) | next chunk
  ;;   [2] DONE     chunks finished                           [3] FAILED   set by a worker that threw
  ;;   [4] aBase  [5] aStride  [6] bBase  [7] bStride  [8] cBase  [9] cStride   (bytes, see matmul.ts)
  ;;   [10] k  [11] nPanels  [12] mPanels  [13] panels per chunk  [14] chunks per matrix  [15] chunks
  ;;   [16] kind: 0 a product (the words above), 1 packing op(B) = W^T for a product to come: chunk c packs
  ;;        B panels [13] c .. min([13] (c + 1), [12]) - 1 (here [12] counts B panels) with packInterleaved,
  ;;        from W stored [n, k] at [17] (the staging copy) into the panels at [6]
  ;;   [17] staging (bytes)
  ;; A product whose B still has to be packed is two jobs, the packing then the product (threads-*.ts):
  ;; packing B's panels is then shared between the threads too, and no chunk of the product starts before
  ;; every panel is in place.
  ;; The tag (job number mod 2^15) in COUNTER makes a late worker that still holds an old job's tag fail
  ;; its compare-exchange instead of claiming a chunk of the new job; the job words are read only after a
  ;; successful claim, when the main thread cannot be rewriting them (it waits for DONE = chunks first).

  ;; Claim and compute chunks of the job tagged $tag until none are left; returns how many this call did.
  (func (export "runChunks") (param $tag i32) (result i32)
    (local $cur i32) (local $idx i32) (local $did i32) (local $bi i32) (local $ip0 i32) (local $ip1 i32)
    (block $finished
      (loop $claim
        (local.set $cur (i32.atomic.load offset=4 (i32.const 0)))
        ;; another job's counter, or no chunk left: stop
        (br_if $finished (i32.ne (i32.shr_u (local.get $cur) (i32.const 16)) (local.get $tag)))
        (local.set $idx (i32.and (local.get $cur) (i32.const 0xffff)))
        (br_if $finished (i32.ge_u (local.get $idx) (i32.load offset=60 (i32.const 0))))
        ;; claim chunk $idx: COUNTER cur -> cur + 1, unless another thread got there first (then retry)
        (br_if $claim (i32.ne
          (i32.atomic.rmw.cmpxchg offset=4 (i32.const 0) (local.get $cur) (i32.add (local.get $cur) (i32.const 1)))
          (local.get $cur)))
        (if (i32.load offset=64 (i32.const 0))
          (then
            ;; a packing job: B panels ip0 .. ip1-1 (in this job's words: [13] per chunk, [12] in all)
            (local.set $ip0 (i32.mul (local.get $idx) (i32.load offset=52 (i32.const 0))))
            (local.set $ip1 (i32.add (local.get $ip0) (i32.load offset=52 (i32.const 0))))
            (if (i32.gt_u (local.get $ip1) (i32.load offset=48 (i32.const 0)))
              (then (local.set $ip1 (i32.load offset=48 (i32.const 0)))))
            ;; source row 8 ip0 of W (k floats a row), destination panel ip0 (8 k floats a panel)
            (call $packInterleaved
              (i32.add (i32.load offset=68 (i32.const 0)) (i32.shl (i32.mul (local.get $ip0) (i32.load offset=40 (i32.const 0))) (i32.const 5)))
              (i32.add (i32.load offset=24 (i32.const 0)) (i32.shl (i32.mul (local.get $ip0) (i32.load offset=40 (i32.const 0))) (i32.const 5)))
              (i32.load offset=40 (i32.const 0))
              (i32.sub (local.get $ip1) (local.get $ip0))
              (i32.const 8))
            (drop (i32.atomic.rmw.add offset=8 (i32.const 0) (i32.const 1)))
            (drop (memory.atomic.notify offset=8 (i32.const 0) (i32.const 1)))
            (local.set $did (i32.add (local.get $did) (i32.const 1)))
            (br $claim)))
        ;; chunk idx = matrix bi, row panels ip0 .. ip1-1
        (local.set $bi (i32.div_u (local.get $idx) (i32.load offset=56 (i32.const 0))))
        (local.set $ip0 (i32.mul
          (i32.rem_u (local.get $idx) (i32.load offset=56 (i32.const 0)))
          (i32.load offset=52 (i32.const 0))))
        (local.set $ip1 (i32.add (local.get $ip0) (i32.load offset=52 (i32.const 0))))
        (if (i32.gt_u (local.get $ip1) (i32.load offset=48 (i32.const 0)))
          (then (local.set $ip1 (i32.load offset=48 (i32.const 0)))))
        (call $gemm
          (i32.add (i32.load offset=16 (i32.const 0)) (i32.mul (local.get $bi) (i32.load offset=20 (i32.const 0))))
          (i32.add (i32.load offset=24 (i32.const 0)) (i32.mul (local.get $bi) (i32.load offset=28 (i32.const 0))))
          (i32.add (i32.load offset=32 (i32.const 0)) (i32.mul (local.get $bi) (i32.load offset=36 (i32.const 0))))
          (i32.load offset=40 (i32.const 0))
          (i32.load offset=44 (i32.const 0))
          (local.get $ip0)
          (local.get $ip1))
        ;; DONE += 1, and wake the main thread if it sleeps on DONE
        (drop (i32.atomic.rmw.add offset=8 (i32.const 0) (i32.const 1)))
        (drop (memory.atomic.notify offset=8 (i32.const 0) (i32.const 1)))
        (local.set $did (i32.add (local.get $did) (i32.const 1)))
        (br $claim)))
    (local.get $did))
)
