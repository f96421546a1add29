set terminal pngcairo size 1400,900 enhanced font 'Sans,10'
set output 'chunking.png'
set datafile separator ','
set datafile missing 'nan'
set grid
set key top left
set multiplot layout 2,2 title 'Action chunking on push (waypoints): 4 seeds × 30 episodes per cell; bars: t 95% over seeds'
set key top right
set logscale x 2
set xrange [0.8:20]
set title 'success vs chunk length H'
set ylabel 'success rate'
set yrange [-0.02:1.02]
set xlabel 'chunk length H'
plot 'chunking.csv' skip 1 using ($1*0.94):3:4:5 with yerrorlines lw 2 pt 7 lc rgb '#d62728' title 'open loop', 'chunking.csv' skip 1 using ($1*1.00):14:15:16 with yerrorlines lw 2 pt 7 lc rgb '#2ca02c' title 'receding k = ⌈H/2⌉', 'chunking.csv' skip 1 using ($1*1.06):25:26:27 with yerrorlines lw 2 pt 7 lc rgb '#1f77b4' title 'ensemble m = 0.01'
set title 'smoothness: mean squared jerk of the executed actions'
set ylabel 'jerk²'
set autoscale y
set logscale y
set xlabel 'chunk length H'
plot 'chunking.csv' skip 1 using ($1*0.94):11 with linespoints lw 2 pt 7 lc rgb '#d62728' title 'open loop', 'chunking.csv' skip 1 using ($1*1.00):22 with linespoints lw 2 pt 7 lc rgb '#2ca02c' title 'receding k = ⌈H/2⌉', 'chunking.csv' skip 1 using ($1*1.06):33 with linespoints lw 2 pt 7 lc rgb '#1f77b4' title 'ensemble m = 0.01'
unset logscale y
set yrange [-0.02:1.02]
set ylabel 'success rate'
set title 'receding: success vs actions executed per query k'
set xlabel 'k (k = H: open loop)'
plot 'chunking_cells.csv' skip 1 using (($2 == 1 && $3 < 2) ? $4 : NaN):7:8:9 with yerrorlines lw 2 title 'H = 1', 'chunking_cells.csv' skip 1 using (($2 == 2 && $3 < 2) ? $4 : NaN):7:8:9 with yerrorlines lw 2 title 'H = 2', 'chunking_cells.csv' skip 1 using (($2 == 4 && $3 < 2) ? $4 : NaN):7:8:9 with yerrorlines lw 2 title 'H = 4', 'chunking_cells.csv' skip 1 using (($2 == 8 && $3 < 2) ? $4 : NaN):7:8:9 with yerrorlines lw 2 title 'H = 8', 'chunking_cells.csv' skip 1 using (($2 == 16 && $3 < 2) ? $4 : NaN):7:8:9 with yerrorlines lw 2 title 'H = 16'
unset logscale x
set xrange [-0.3:5.3]
set xtics ('-1.00' 0, '-0.10' 1, '0.00' 2, '0.01' 3, '0.10' 4, '1.00' 5)
set title 'temporal ensemble: success vs m (weights exp(−m·i), i = 0 the oldest)'
set xlabel 'm (< 0: the newest plan weighs most)'
plot 'chunking_cells.csv' skip 1 using (($2 == 2 && $3 == 2) ? $6 : NaN):7:8:9 with yerrorlines lw 2 title 'H = 2', 'chunking_cells.csv' skip 1 using (($2 == 4 && $3 == 2) ? $6 : NaN):7:8:9 with yerrorlines lw 2 title 'H = 4', 'chunking_cells.csv' skip 1 using (($2 == 8 && $3 == 2) ? $6 : NaN):7:8:9 with yerrorlines lw 2 title 'H = 8', 'chunking_cells.csv' skip 1 using (($2 == 16 && $3 == 2) ? $6 : NaN):7:8:9 with yerrorlines lw 2 title 'H = 16'
unset multiplot
