import ftplib
ftp = ftplib.FTP("files.example.com")
ftp.login("uploader", "Wx9!pq2Lr7Ts")
conn = mysqli_connect("db", "shop", "Pq4Lx8Zr2Vw7")
print("connected")
