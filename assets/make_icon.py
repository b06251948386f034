import zlib, struct, math
N=128
def px(x,y):
    # rounded square background
    r=22; cx=min(max(x,r),N-1-r); cy=min(max(y,r),N-1-r)
    d=math.hypot(x-cx,y-cy)
    if d>r: return (0,0,0,0)
    a=255 if d<r-1 else int(255*(r-d))
    bg=(24,32,48)
    c=N/2-0.5
    dist=math.hypot(x-c,y-c)
    col=bg
    # scope ring
    if abs(dist-44)<4: col=(64,200,190)
    # crosshair ticks
    if (abs(x-c)<2 and (abs(y-c)>30 and abs(y-c)<52)) or (abs(y-c)<2 and (abs(x-c)>30 and abs(x-c)<52)):
        col=(64,200,190)
    # two endpoints and link
    p1=(c-18,c+10); p2=(c+18,c-10)
    for p,cc in ((p1,(250,180,60)),(p2,(240,90,110))):
        if math.hypot(x-p[0],y-p[1])<8: col=cc
    # line between
    vx,vy=p2[0]-p1[0],p2[1]-p1[1]; L=vx*vx+vy*vy
    t=max(0,min(1,((x-p1[0])*vx+(y-p1[1])*vy)/L))
    qx,qy=p1[0]+t*vx,p1[1]+t*vy
    if math.hypot(x-qx,y-qy)<2.2 and col==bg: col=(230,230,235)
    return col+(a,)
raw=b''.join(b'\x00'+b''.join(bytes(px(x,y)) for x in range(N)) for y in range(N))
def chunk(t,d): return struct.pack('>I',len(d))+t+d+struct.pack('>I',zlib.crc32(t+d)&0xffffffff)
png=b'\x89PNG\r\n\x1a\n'+chunk(b'IHDR',struct.pack('>IIBBBBB',N,N,8,6,0,0,0))+chunk(b'IDAT',zlib.compress(raw,9))+chunk(b'IEND',b'')
open('icon.png','wb').write(png)
