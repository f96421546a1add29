set terminal pngcairo size 900,600 enhanced font 'Sans,10'
set output 'returns.png'
set datafile separator ','
set datafile missing 'nan'
set grid
set key top left
set title 'Decision Transformer on pendulum: achieved vs asked-for return (10 seeds; bars: t 95% over seeds)'
set xlabel 'target return'
set ylabel 'achieved return'
plot 'returns.csv' skip 1 using 2:3:4:5 with yerrorlines lw 2 pt 7 lc rgb '#1f77b4' title 'DT', 'returns_seeds.csv' skip 1 using 3:4 with points pt 6 lc rgb '#1f77b4' title 'single seeds', x with lines dt 2 lc rgb '#555555' title 'achieved = target'
